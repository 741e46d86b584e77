package io.edgenode.core.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * GBNF for pieces of a pattern over the JSON text of a string, not its decoded characters: a model
 * writes JSON, so a quote, a backslash or a control character the pattern admits must appear
 * escaped ({@code \"}, {@code \\}, {@code \n}). Stateless; used by {@link PatternTranslator}.
 */
final class JsonStringText {
    private JsonStringText() {
    }

    /**
     * GBNF literal text for how JSON writes {@code cp} inside a string when it must be escaped
     * ({@code "}, {@code \\}, controls), else null. llama.cpp emits such characters raw, which
     * makes the model write a string that is not JSON.
     */
    static String escape(int cp) {
        return switch (cp) {
            case '"' -> "\\\\\\\"";
            case '\\' -> "\\\\\\\\";
            case '\n' -> "\\\\n";
            case '\r' -> "\\\\r";
            case '\t' -> "\\\\t";
            case '\b' -> "\\\\b";
            case '\f' -> "\\\\f";
            default -> cp < 0x20 ? String.format("\\\\u%04x", cp) : null;
        };
    }

    /** The code point a GBNF escape of length {@code n} at {@code pos} stands for. */
    static int decodeEscape(String s, int pos, int n) {
        char e = s.charAt(pos + 1);
        return switch (e) {
            case 'x', 'u', 'U' -> Integer.parseInt(s.substring(pos + 2, pos + n), 16);
            case 't' -> '\t';
            case 'r' -> '\r';
            case 'n' -> '\n';
            default -> e;
        };
    }

    /** {@code .}: any JSON string character but a line break (llama.cpp: any character, raw). */
    static final String DOT = "[^\"\\\\\\x7F\\x00-\\x1F] | \"\\\\\\\"\" | \"\\\\\\\\\" | \"\\\\t\"";
    static final String DOT_ALL = DOT + " | \"\\\\n\" | \"\\\\r\"";

    /** Characters a JSON string cannot hold raw: controls, quote, backslash, as inclusive ranges. */
    private static final int[][] JSON_RAW_FORBIDDEN = {{0x00, 0x1F}, {'"', '"'}, {'\\', '\\'}};
    /** The forbidden ones we still offer, escaped, when a class admits them. */
    private static final int[] JSON_SHORT_ESCAPED = {'"', '\\', '\n', '\r', '\t', '\b', '\f'};

    /**
     * A regex character class ({@code content} between the brackets, escapes already checked) as
     * GBNF over JSON string text: what JSON holds raw stays a class, and a quote, backslash or
     * short-escaped control the class admits becomes its escape. Other controls are dropped (a
     * narrowing: the grammar stays within the pattern). A positive class admitting none of them
     * is written as is, as llama.cpp writes it.
     */
    static String charClass(String content) {
        boolean negated = content.startsWith("^");
        List<int[]> ranges = parseClass(negated ? content.substring(1) : content);
        boolean touches = false;
        for (int[] f : JSON_RAW_FORBIDDEN) {
            for (int[] r : ranges) {
                touches |= r[0] <= f[1] && f[0] <= r[1];
            }
        }
        if (!negated && !touches) {
            return "[" + content + "]";
        }
        List<String> alternatives = new ArrayList<>();
        StringBuilder cls = new StringBuilder(negated ? "[^" : "[");
        if (negated) {
            ranges.forEach(r -> cls.append(classRange(r[0], r[1])));
            cls.append("\"\\\\\\x00-\\x1F]");
            alternatives.add(cls.toString());
        } else {
            boolean any = false;
            for (int[] r : subtract(ranges, JSON_RAW_FORBIDDEN)) {
                cls.append(classRange(r[0], r[1]));
                any = true;
            }
            if (any) {
                alternatives.add(cls.append(']').toString());
            }
        }
        for (int cp : JSON_SHORT_ESCAPED) {
            boolean in = false;
            for (int[] r : ranges) {
                in |= cp >= r[0] && cp <= r[1];
            }
            if (in != negated) {
                alternatives.add("\"" + escape(cp) + "\"");
            }
        }
        if (alternatives.isEmpty()) {
            throw new PatternTranslator.Unsupported("character class admits only characters JSON must escape");
        }
        return alternatives.size() == 1 ? alternatives.getFirst() : "(" + String.join(" | ", alternatives) + ")";
    }

    /** The class's items as inclusive code point ranges, read as llama.cpp's GBNF parser reads them. */
    private static List<int[]> parseClass(String items) {
        List<int[]> ranges = new ArrayList<>();
        int k = 0;
        while (k < items.length()) {
            int[] lo = classChar(items, k);
            k = lo[1];
            int high = lo[0];
            if (k + 1 < items.length() && items.charAt(k) == '-') {
                int[] hi = classChar(items, k + 1);
                high = hi[0];
                k = hi[1];
            }
            if (high < lo[0]) {
                throw new PatternTranslator.Invalid("character class range out of order");
            }
            ranges.add(new int[] {lo[0], high});
        }
        return ranges;
    }

    /** {code point, next index} of the class character at {@code k}. */
    private static int[] classChar(String items, int k) {
        if (items.charAt(k) == '\\') {
            int n = PatternTranslator.escapeLength(items, k);
            return new int[] {decodeEscape(items, k, n), k + n};
        }
        int cp = items.codePointAt(k);
        return new int[] {cp, k + Character.charCount(cp)};
    }

    private static List<int[]> subtract(List<int[]> ranges, int[][] minus) {
        List<int[]> current = new ArrayList<>(ranges);
        for (int[] m : minus) {
            List<int[]> next = new ArrayList<>();
            for (int[] r : current) {
                if (r[1] < m[0] || r[0] > m[1]) {
                    next.add(r);
                    continue;
                }
                if (r[0] < m[0]) {
                    next.add(new int[] {r[0], m[0] - 1});
                }
                if (r[1] > m[1]) {
                    next.add(new int[] {m[1] + 1, r[1]});
                }
            }
            current = next;
        }
        return current;
    }

    private static String classRange(int lo, int hi) {
        return hi == lo ? classCodePoint(lo) : classCodePoint(lo) + "-" + classCodePoint(hi);
    }

    private static String classCodePoint(int cp) {
        if (cp >= 0x20 && cp < 0x7F && "\\]-[^\"".indexOf(cp) < 0) {
            return Character.toString(cp);
        }
        if (cp <= 0xFF) {
            return String.format("\\x%02X", cp);
        }
        return cp <= 0xFFFF ? String.format("\\u%04X", cp) : String.format("\\U%08X", cp);
    }
}
