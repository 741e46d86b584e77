package io.edgenode.core.chat;

import java.util.Arrays;
import java.util.List;

/**
 * The header of Jinja's {@code for} tag, {@code for <vars> in <iterable> [if <filter>]}, split at
 * top-level keywords (not inside brackets or quotes). Recursive loops are refused. Immutable.
 */
record ForHeader(List<String> vars, String iterable, String filter) {

    /**
     * Parses a {@code for} tag's text after the tag name.
     *
     * @param line the tag's line, for the message
     * @throws IllegalArgumentException with Jinja's complaint, prefixed by the line
     */
    static ForHeader parse(String tagHelpers, int line) {
        String helpers = tagHelpers.trim();
        int in = keyword(helpers, "in", 0);
        if (in < 0) {
            throw syntax(line, "Tag 'for' expects 'in', got: " + helpers);
        }
        String target = helpers.substring(0, in).trim();
        if (target.startsWith("(") && target.endsWith(")")) {
            target = target.substring(1, target.length() - 1);
        }
        List<String> vars = Arrays.stream(target.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
        String rest = helpers.substring(in + 2).trim();
        if (keyword(rest, "recursive", 0) >= 0) {
            throw syntax(line, "recursive for loops are not supported");
        }
        int condition = keyword(rest, "if", 0);
        String iterable = condition < 0 ? rest : rest.substring(0, condition).trim();
        String filter = condition < 0 ? null : rest.substring(condition + 2).trim();
        if (vars.isEmpty() || iterable.isEmpty() || (filter != null && filter.isEmpty())) {
            throw syntax(line, "Tag 'for' expects 'x in items [if condition]', got: " + helpers);
        }
        return new ForHeader(vars, iterable, filter);
    }

    private static IllegalArgumentException syntax(int line, String message) {
        return new IllegalArgumentException("line " + line + ": " + message);
    }

    /** Index of {@code word} as a whole word at bracket depth 0 outside string literals, or -1. */
    static int keyword(String s, String word, int from) {
        int depth = 0;
        char quote = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0 && s.startsWith(word, i)
                    && (i == 0 || !isIdentifierPart(s.charAt(i - 1)))
                    && (i + word.length() == s.length() || !isIdentifierPart(s.charAt(i + word.length())))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.';
    }
}
