package io.edgenode.core.grammar;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;

/**
 * Translates a JSON-schema {@code pattern} (an ECMA regex) into GBNF for the JSON string it
 * matches, the subset llama.cpp's converter handles ({@code _pattern_to_rule}): literals, escapes
 * GBNF shares (<code>\t \r \n \\ \" \[ \] \- \xHH &#92;uHHHH \UHHHHHHHH</code>), {@code .}, character
 * classes (kept as written), groups and non-capturing groups, {@code |}, {@code * + ?} and
 * {@code {m,n}}. One instance per pattern; confined to the converter that made it.
 *
 * <p>Two failures differ: {@link Unsupported} is a valid regex with no GBNF equivalent
 * (lookaround, {@code \d}, unanchored...), which llama.cpp answers with "any string" and a
 * warning; {@link Invalid} is not a regex at all, which llama.cpp refuses. Like llama.cpp, the text
 * of a literal is not re-escaped: the regex's own escapes are GBNF escapes, and the translated
 * string content is not JSON-escaped (a pattern with {@code \\} or a control character matches the
 * raw character, where a model writes it escaped).
 */
final class PatternTranslator {
    static final int MAX_DEPTH = 100;

    /** A valid regex with no GBNF equivalent. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String message) {
            super(message, null, false, false);
        }
    }

    /** Not a valid regex. */
    static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private static final String NON_LITERAL = "|.()[]{}*+?^$";
    private static final String ESCAPED_IN_REGEX_NOT_IN_LITERAL = "^$.[](){}|*+?";

    /** A piece of the translated sequence: raw literal text (GBNF-escaped) or a GBNF expression. */
    private record Piece(String text, boolean literal) {
        String rule() {
            return literal ? "\"" + text + "\"" : text;
        }
    }

    private final BinaryOperator<String> addRule;
    private final boolean dotAll;
    private final String name;
    private final String body;
    private final Map<String, String> subRuleIds = new HashMap<>();
    private int i;
    private int parenDepth;

    private PatternTranslator(BinaryOperator<String> addRule, boolean dotAll, String name, String body) {
        this.addRule = addRule;
        this.dotAll = dotAll;
        this.name = name;
        this.body = body;
    }

    /**
     * Adds the rules for {@code pattern} under {@code name} through {@code addRule} and returns the
     * name of the rule matching the JSON string (quotes included).
     */
    static String translate(String pattern, String name, boolean dotAll, BinaryOperator<String> addRule) {
        if (pattern.length() < 2 || pattern.charAt(0) != '^' || pattern.charAt(pattern.length() - 1) != '$') {
            throw new Unsupported("not anchored with '^' and '$'");
        }
        PatternTranslator t = new PatternTranslator(addRule, dotAll, name, pattern.substring(1, pattern.length() - 1));
        String rule = t.sequence().rule();
        if (t.parenDepth != 0) {
            throw new Invalid("unbalanced parentheses");
        }
        return addRule.apply(name, "\"\\\"\" (" + rule + ") \"\\\"\"");
    }

    private Piece sequence() {
        List<Piece> seq = new ArrayList<>();
        int length = body.length();
        while (i < length) {
            char c = body.charAt(i);
            if (c == '.') {
                seq.add(new Piece(addRule.apply("dot", dotAll ? JsonStringText.DOT_ALL : JsonStringText.DOT), false));
                i++;
            } else if (c == '(') {
                i++;
                if (i < length && body.charAt(i) == '?') {
                    if (i + 1 < length && body.charAt(i + 1) == ':') {
                        i += 2; // non-capturing group: a plain group here
                    } else {
                        throw new Unsupported("unsupported group syntax"); // lookaround, named group, flags
                    }
                }
                parenDepth++;
                if (parenDepth > MAX_DEPTH) {
                    throw new Unsupported("pattern nesting too deep");
                }
                seq.add(new Piece("(" + sequence().rule() + ")", false));
            } else if (c == ')') {
                i++;
                if (parenDepth == 0) {
                    throw new Invalid("unbalanced parentheses");
                }
                parenDepth--;
                return join(seq);
            } else if (c == '^' || c == '$') {
                throw new Unsupported("anchor inside the pattern");
            } else if (c == '[') {
                seq.add(new Piece(charClass(), false));
            } else if (c == '|') {
                seq.add(new Piece("|", false));
                i++;
            } else if (c == '*' || c == '+' || c == '?') {
                if (seq.isEmpty()) {
                    throw new Invalid("nothing to repeat");
                }
                Piece last = seq.removeLast();
                seq.add(new Piece(last.rule() + c, false));
                i++;
            } else if (c == '{') {
                repetition(seq);
            } else {
                seq.add(literal(c));
            }
        }
        return join(seq);
    }

    /** Joins the sequence with spaces, merging consecutive literals into one. */
    private static Piece join(List<Piece> seq) {
        List<String> out = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        for (Piece p : seq) {
            if (p.literal()) {
                literal.append(p.text());
            } else {
                if (!literal.isEmpty()) {
                    out.add("\"" + literal + "\"");
                    literal.setLength(0);
                }
                out.add(p.text());
            }
        }
        if (!literal.isEmpty()) {
            out.add("\"" + literal + "\"");
        }
        return new Piece(String.join(" ", out), false);
    }

    private String charClass() {
        StringBuilder out = new StringBuilder("[");
        i++;
        int length = body.length();
        while (i < length && body.charAt(i) != ']') {
            if (body.charAt(i) == '\\') {
                int n = escapeLength(body, i);
                if (n == 0) {
                    throw new Unsupported("unsupported escape in character class: " + body.substring(i, Math.min(length, i + 2)));
                }
                out.append(body, i, i + n);
                i += n;
            } else {
                out.append(body.charAt(i));
                i++;
            }
        }
        if (i >= length) {
            throw new Invalid("unterminated character class");
        }
        i++;
        return JsonStringText.charClass(out.substring(1));
    }

    private void repetition(List<Piece> seq) {
        int start = ++i;
        int length = body.length();
        while (i < length && body.charAt(i) != '}') {
            i++;
        }
        if (i >= length) {
            throw new Unsupported("unterminated curly brackets");
        }
        String inside = body.substring(start, i);
        i++;
        String[] nums = inside.split(",", -1);
        int min;
        int max;
        if (nums.length == 1) {
            min = max = count(nums[0]);
        } else if (nums.length == 2) {
            min = nums[0].isEmpty() ? 0 : count(nums[0]);
            max = nums[1].isEmpty() ? Integer.MAX_VALUE : count(nums[1]);
        } else {
            throw new Unsupported("wrong number of values in curly brackets");
        }
        if (seq.isEmpty()) {
            throw new Invalid("nothing to repeat");
        }
        if (min > JsonSchemaConverter.MAX_REPETITIONS || (max != Integer.MAX_VALUE && max > JsonSchemaConverter.MAX_REPETITIONS)) {
            throw new TooManyRepetitions("repetition {" + inside + "} exceeds " + JsonSchemaConverter.MAX_REPETITIONS);
        }
        Piece last = seq.removeLast();
        String sub = last.text();
        if (!last.literal()) {
            // a repeated expression gets its own rule, so llama.cpp's parser repeats one symbol
            String id = subRuleIds.get(sub);
            if (id == null) {
                id = addRule.apply(name + "-" + (subRuleIds.size() + 1), sub);
                subRuleIds.put(sub, id);
            }
            sub = id;
        }
        seq.add(new Piece(JsonSchemaConverter.repetition(last.literal() ? "\"" + sub + "\"" : sub, min, max, ""), false));
    }

    /** A count in curly brackets; lenient like C++ {@code stoi} (leading blanks, trailing junk). */
    private static int count(String text) {
        String s = text.stripLeading();
        int end = 0;
        if (end < s.length() && s.charAt(end) == '+') {
            end++;
        }
        int digitsStart = end;
        while (end < s.length() && Character.isDigit(s.charAt(end)) && s.charAt(end) < 128) {
            end++;
        }
        if (end == digitsStart) {
            throw new Unsupported("invalid number in curly brackets");
        }
        try {
            return Integer.parseInt(s.substring(digitsStart, end));
        } catch (NumberFormatException e) {
            throw new Unsupported("invalid number in curly brackets");
        }
    }

    private Piece literal(char first) {
        StringBuilder literal = new StringBuilder();
        int length = body.length();
        while (i < length) {
            char c = body.charAt(i);
            if (c == '\\') {
                if (i == length - 1) {
                    throw new Invalid("trailing backslash");
                }
                char next = body.charAt(i + 1);
                if (ESCAPED_IN_REGEX_NOT_IN_LITERAL.indexOf(next) >= 0) {
                    if (quantified(literal, i + 2)) {
                        break;
                    }
                    literal.append(next);
                    i += 2;
                } else {
                    int n = escapeLength(body, i);
                    if (n == 0) {
                        throw new Unsupported("unsupported escape: " + body.substring(i, i + 2));
                    }
                    if (quantified(literal, i + n)) {
                        break;
                    }
                    String json = JsonStringText.escape(JsonStringText.decodeEscape(body, i, n));
                    literal.append(json != null ? json : body.substring(i, i + n));
                    i += n;
                }
            } else if (c == '"') {
                if (quantified(literal, i + 1)) {
                    break;
                }
                literal.append(JsonStringText.escape('"')); // llama.cpp writes a raw quote here: not JSON
                i++;
            } else {
                // one code point, so that a quantifier never splits a surrogate pair
                int width = Character.charCount(body.codePointAt(i));
                int after = i + width;
                boolean takes = NON_LITERAL.indexOf(c) < 0
                        && (after >= length || literal.isEmpty() || body.charAt(after) == '.'
                            || NON_LITERAL.indexOf(body.charAt(after)) < 0);
                if (!takes) {
                    break;
                }
                String json = JsonStringText.escape(body.codePointAt(i));
                literal.append(json != null ? json : body.substring(i, after));
                i = after;
            }
        }
        if (literal.isEmpty()) { // nothing consumed, e.g. a stray ']' or '}'
            throw new Unsupported("unsupported character: " + first);
        }
        return new Piece(literal.toString(), true);
    }

    /**
     * Whether the character ending at {@code after} is quantified while the literal already holds
     * text: then it must start a literal of its own, or the quantifier would repeat the whole
     * literal. llama.cpp checks this for plain characters only, so its {@code a\\.{2}} repeats
     * {@code a.}; ours repeats the dot.
     */
    private boolean quantified(StringBuilder literal, int after) {
        return !literal.isEmpty() && after < body.length() && "*+?{".indexOf(body.charAt(after)) >= 0;
    }

    /** Length of the GBNF escape at {@code pos} (a backslash), or 0 if GBNF has no such escape. */
    static int escapeLength(String s, int pos) {
        if (pos + 1 >= s.length() || s.charAt(pos) != '\\') {
            return 0;
        }
        int hex;
        switch (s.charAt(pos + 1)) {
            case 'x' -> hex = 2;
            case 'u' -> hex = 4;
            case 'U' -> hex = 8;
            case 't', 'r', 'n', '\\', '"', '[', ']', '-' -> {
                return 2;
            }
            default -> {
                return 0;
            }
        }
        if (pos + 2 + hex > s.length()) {
            return 0;
        }
        for (int k = pos + 2; k < pos + 2 + hex; k++) {
            if (Character.digit(s.charAt(k), 16) < 0 || s.charAt(k) > 127) {
                return 0;
            }
        }
        return 2 + hex;
    }

    /** A repetition count above the bound: refused outright, never answered with "any string". */
    static final class TooManyRepetitions extends RuntimeException {
        TooManyRepetitions(String message) {
            super(message, null, false, false);
        }
    }
}
