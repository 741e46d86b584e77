package io.edgenode.core.grammar;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * GBNF for a JSON string that is none of some strings: the keys of additional properties, which
 * must not repeat a named property (llama.cpp's {@code _not_strings}). Stateless. Built on a trie
 * of the names' characters: {@code ["] ( [a] char+ | [^"a] char* )? ["]} refuses "a". As in
 * llama.cpp, a proper prefix of a name is refused too (a narrowing), and another spelling of a
 * name ({@code \u0061} for "a") is not recognised.
 */
final class NotStrings {
    private NotStrings() {
    }

    /** A JSON string that is none of {@code strings} (keys of additional properties), via a trie. */
    static String rule(List<String> strings, String charRule) {
        Trie trie = new Trie();
        strings.forEach(trie::insert);
        if (trie.children.isEmpty()) {
            // the one name is "": any other key is at least one character (llama.cpp writes
            // ["] (  ) ["] here, which allows exactly the name it must refuse)
            return "[\"] " + charRule + "+ [\"]";
        }
        StringBuilder out = new StringBuilder("[\"] ( ");
        notStrings(trie, charRule, out);
        out.append(" )");
        if (!trie.terminal) {
            out.append('?');
        }
        return out.append(" [\"]").toString();
    }

    private static void notStrings(Trie node, String charRule, StringBuilder out) {
        StringBuilder rejects = new StringBuilder();
        boolean first = true;
        for (Map.Entry<Integer, Trie> e : node.children.entrySet()) {
            if (!first) {
                out.append(" | ");
            }
            first = false;
            // a character JSON must escape is matched as its escape, a whole unit: a trie over the
            // escaped text would let the model stop, or branch, in the middle of an escape
            String escaped = JsonStringText.escape(e.getKey());
            if (escaped != null) {
                out.append('"').append(escaped).append('"');
            } else {
                String c = classChar(e.getKey());
                rejects.append(c);
                out.append('[').append(c).append(']');
            }
            if (!e.getValue().children.isEmpty()) {
                out.append(" (");
                notStrings(e.getValue(), charRule, out);
                out.append(')');
            } else {
                out.append(' ').append(charRule).append('+');
            }
        }
        if (!node.children.isEmpty()) {
            // unlike llama.cpp, also refuse what a JSON string cannot hold raw (a lone backslash,
            // controls), so every key the grammar allows is valid JSON; a key that starts with an
            // escape is not offered at all (a narrowing: the grammar stays within the schema)
            out.append(" | [^\"\\\\\\x7F\\x00-\\x1F").append(rejects).append("] ").append(charRule).append('*');
        }
    }

    /** A code point as written inside a GBNF character class. */
    private static String classChar(int cp) {
        return switch (cp) {
            case '\\' -> "\\\\";
            case ']' -> "\\]";
            case '[' -> "\\[";
            case '-' -> "\\-";
            case '"' -> "\\\"";
            default -> Character.toString(cp);
        };
    }

    /** Code-point trie, children in code point order (llama.cpp's {@code common_trie}). */
    private static final class Trie {
        final TreeMap<Integer, Trie> children = new TreeMap<>();
        boolean terminal;

        void insert(String s) {
            Trie node = this;
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                node = node.children.computeIfAbsent(cp, k -> new Trie());
                i += Character.charCount(cp);
            }
            node.terminal = true;
        }
    }
}
