package io.edgenode.core.grammar;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed GBNF grammar, for tests: checks the text we emit is the GBNF llama.cpp's parser reads
 * ({@code src/llama-grammar.cpp}), and feeds {@link GbnfGenerator}. Immutable once parsed.
 *
 * <p>The parser is strict where llama.cpp is: escapes are only {@code \x &#92;u \U \t \r \n \\ \" \[
 * \] \-}, names are {@code [a-zA-Z0-9-]+}, a rule may not be defined twice here (llama.cpp would
 * silently take the last; our converter never writes that), every referenced rule must exist, a
 * repetition count above 2000 fails (llama.cpp's {@code MAX_REPETITION_THRESHOLD}), and
 * {@code root} must exist.
 */
final class GbnfGrammar {
    static final int MAX_REPETITION_THRESHOLD = 2000;

    sealed interface Expr {
    }

    record Alt(List<Expr> options) implements Expr {
    }

    record Seq(List<Expr> items) implements Expr {
    }

    record Lit(int[] codePoints) implements Expr {
    }

    /** {@code ranges} holds inclusive [low, high] pairs. */
    record CharClass(boolean negated, List<int[]> ranges) implements Expr {
        boolean matches(int cp) {
            boolean in = false;
            for (int[] r : ranges) {
                if (cp >= r[0] && cp <= r[1]) {
                    in = true;
                    break;
                }
            }
            return in != negated;
        }
    }

    record Ref(String name) implements Expr {
    }

    /** {@code max} is -1 for no maximum. */
    record Repeat(Expr item, int min, int max) implements Expr {
    }

    final Map<String, Expr> rules;

    private GbnfGrammar(Map<String, Expr> rules) {
        this.rules = rules;
    }

    static GbnfGrammar parse(String text) {
        return new Parser(text).grammar();
    }

    private static final class Parser {
        private final String src;
        private int pos;
        private final Map<String, Expr> rules = new LinkedHashMap<>();
        private final List<String> refs = new ArrayList<>();

        Parser(String src) {
            this.src = src;
        }

        private IllegalArgumentException error(String message) {
            int end = Math.min(src.length(), pos + 40);
            return new IllegalArgumentException(message + " at " + pos + ": " + src.substring(pos, end));
        }

        private char peek() {
            return pos < src.length() ? src.charAt(pos) : '\0';
        }

        private void space(boolean newlineOk) {
            while (pos < src.length()) {
                char c = src.charAt(pos);
                if (c == ' ' || c == '\t' || (newlineOk && (c == '\r' || c == '\n'))) {
                    pos++;
                } else if (c == '#') {
                    while (pos < src.length() && src.charAt(pos) != '\r' && src.charAt(pos) != '\n') {
                        pos++;
                    }
                } else {
                    break;
                }
            }
        }

        GbnfGrammar grammar() {
            space(true);
            while (pos < src.length()) {
                rule();
                space(true);
            }
            for (String ref : refs) {
                if (!rules.containsKey(ref)) {
                    throw new IllegalArgumentException("Undefined rule identifier '" + ref + "'");
                }
            }
            if (!rules.containsKey("root")) {
                throw new IllegalArgumentException("no root rule");
            }
            return new GbnfGrammar(rules);
        }

        private String name() {
            int start = pos;
            while (pos < src.length() && Gbnf.isWordChar(src.charAt(pos))) {
                pos++;
            }
            if (pos == start) {
                throw error("expecting name");
            }
            return src.substring(start, pos);
        }

        private void rule() {
            String name = name();
            space(false);
            if (!src.startsWith("::=", pos)) {
                throw error("expecting ::=");
            }
            pos += 3;
            space(true);
            Expr body = alternates(false);
            if (rules.put(name, body) != null) {
                throw new IllegalArgumentException("rule " + name + " defined twice");
            }
            if (peek() == '\r') {
                pos++;
            }
            if (peek() == '\n') {
                pos++;
            } else if (pos < src.length()) {
                throw error("expecting newline or end");
            }
        }

        private Expr alternates(boolean nested) {
            List<Expr> options = new ArrayList<>();
            options.add(sequence(nested));
            while (peek() == '|') {
                pos++;
                space(true);
                options.add(sequence(nested));
            }
            return options.size() == 1 ? options.getFirst() : new Alt(options);
        }

        private Expr sequence(boolean nested) {
            List<Expr> items = new ArrayList<>();
            while (pos < src.length()) {
                char c = peek();
                if (c == '"') {
                    pos++;
                    List<Integer> cps = new ArrayList<>();
                    while (peek() != '"') {
                        if (pos >= src.length()) {
                            throw error("unexpected end of input");
                        }
                        cps.add(character());
                    }
                    pos++;
                    items.add(new Lit(cps.stream().mapToInt(Integer::intValue).toArray()));
                } else if (c == '[') {
                    pos++;
                    boolean negated = false;
                    if (peek() == '^') {
                        pos++;
                        negated = true;
                    }
                    List<int[]> ranges = new ArrayList<>();
                    while (peek() != ']') {
                        if (pos >= src.length()) {
                            throw error("unexpected end of input");
                        }
                        int low = character();
                        int high = low;
                        if (peek() == '-' && pos + 1 < src.length() && src.charAt(pos + 1) != ']') {
                            pos++;
                            high = character();
                        }
                        ranges.add(new int[] {low, high});
                    }
                    pos++;
                    items.add(new CharClass(negated, ranges));
                } else if (Gbnf.isWordChar(c)) {
                    String name = name();
                    refs.add(name);
                    items.add(new Ref(name));
                } else if (c == '(') {
                    pos++;
                    space(true);
                    Expr inner = alternates(true);
                    if (peek() != ')') {
                        throw error("expecting ')'");
                    }
                    pos++;
                    items.add(inner);
                } else if (c == '*' || c == '+' || c == '?') {
                    pos++;
                    repeat(items, c == '+' ? 1 : 0, c == '?' ? 1 : -1);
                } else if (c == '{') {
                    pos++;
                    space(nested);
                    int min = integer();
                    space(nested);
                    int max;
                    if (peek() == '}') {
                        max = min;
                    } else if (peek() == ',') {
                        pos++;
                        space(nested);
                        max = Character.isDigit(peek()) ? integer() : -1;
                        space(nested);
                        if (peek() != '}') {
                            throw error("expecting '}'");
                        }
                    } else {
                        throw error("expecting ','");
                    }
                    pos++;
                    if (min > MAX_REPETITION_THRESHOLD || max > MAX_REPETITION_THRESHOLD) {
                        throw error("repetition exceeds llama.cpp's threshold");
                    }
                    repeat(items, min, max);
                } else {
                    break;
                }
                space(nested);
            }
            return items.size() == 1 ? items.getFirst() : new Seq(items);
        }

        private void repeat(List<Expr> items, int min, int max) {
            if (items.isEmpty()) {
                throw error("expecting preceding item to */+/?/{");
            }
            items.add(new Repeat(items.removeLast(), min, max));
        }

        private int integer() {
            int start = pos;
            while (Character.isDigit(peek())) {
                pos++;
            }
            if (start == pos) {
                throw error("expecting an int");
            }
            return Integer.parseInt(src.substring(start, pos));
        }

        private int character() {
            char c = peek();
            if (c == '\\') {
                if (pos + 1 >= src.length()) {
                    throw error("unexpected end of input");
                }
                char e = src.charAt(pos + 1);
                pos += 2;
                return switch (e) {
                    case 'x' -> hex(2);
                    case 'u' -> hex(4);
                    case 'U' -> hex(8);
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case 'n' -> '\n';
                    case '\\', '"', '[', ']', '-' -> e;
                    default -> {
                        pos -= 2;
                        throw error("unknown escape");
                    }
                };
            }
            int cp = src.codePointAt(pos);
            if (cp == 0) {
                throw error("NUL in grammar");
            }
            pos += Character.charCount(cp);
            return cp;
        }

        private int hex(int n) {
            if (pos + n > src.length()) {
                throw error("expecting " + n + " hex chars");
            }
            int v = 0;
            for (int k = 0; k < n; k++) {
                int d = Character.digit(src.charAt(pos + k), 16);
                if (d < 0 || src.charAt(pos + k) > 127) {
                    throw error("expecting " + n + " hex chars");
                }
                v = v * 16 + d;
            }
            pos += n;
            return v;
        }
    }
}
