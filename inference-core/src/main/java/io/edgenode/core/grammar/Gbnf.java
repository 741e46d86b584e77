package io.edgenode.core.grammar;

import java.util.Objects;

/**
 * Small pieces of llama.cpp GBNF syntax ({@code grammars/README.md}): string literals and rule
 * names. Stateless.
 *
 * <p>Escapes follow what llama.cpp's grammar parser reads back ({@code parse_char} in
 * {@code src/llama-grammar.cpp}): {@code \x..}, <code>&#92;u....</code>, {@code \U........}, {@code \t},
 * {@code \r}, {@code \n}, {@code \\}, {@code \"}, {@code \[}, {@code \]}, {@code \-}. Any other
 * character, non-BMP ones included, is written as itself (the grammar is UTF-8 text).
 */
public final class Gbnf {
    private Gbnf() {
    }

    /**
     * Returns a GBNF string literal that matches exactly {@code text}. Quotes, backslashes, line
     * breaks and tabs get their short escapes; other control characters (C0 and DEL) are written as
     * {@code \xHH} so that a NUL never ends the C string llama.cpp parses.
     */
    public static String literal(String text) {
        Objects.requireNonNull(text, "text");
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        out.append(String.format("\\x%02X", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Whether {@code name} is a GBNF rule name: one or more of {@code [a-zA-Z0-9-]}. */
    public static boolean isValidRuleName(String name) {
        if (name == null || name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!isWordChar(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static boolean isWordChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    }

    /** Replaces each run of characters a rule name cannot hold with one {@code -}, as llama.cpp does. */
    static String sanitizeRuleName(String name) {
        StringBuilder out = new StringBuilder(name.length());
        boolean inRun = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (isWordChar(c)) {
                out.append(c);
                inRun = false;
            } else if (!inRun) {
                out.append('-');
                inRun = true;
            }
        }
        return out.toString();
    }
}
