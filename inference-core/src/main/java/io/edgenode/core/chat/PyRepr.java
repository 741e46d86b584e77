package io.edgenode.core.chat;

import java.lang.reflect.Array;
import java.util.Map;

/**
 * Python's {@code str()} and {@code repr()} for template values, so that printed values read as they do
 * under Hugging Face: {@code True}, {@code 1.0}, {@code ['a', None]}, {@code {'k': 1}} (Jinjava would
 * print {@code true}, {@code [a, null]}).
 *
 * <p>Jinjava has no separate undefined value: a missing variable and None are both null. Null prints as
 * "" (Jinja's undefined, by far the more common source: this node passes no None values), but as
 * {@code None} inside a list or dict, where only None can be. Stateless.
 */
final class PyRepr {

    private PyRepr() {}

    /** {@code str(value)}; null (undefined) is "". */
    static String str(Object value) {
        return switch (value) {
            case null -> "";
            case CharSequence s -> s.toString();
            case Boolean b -> b ? "True" : "False";
            case Double d -> PyJson.pyFloat(d);
            case Float f -> PyJson.pyFloat(f.doubleValue());
            case Map<?, ?> m -> repr(m);
            case Iterable<?> it -> repr(it);
            case Map.Entry<?, ?> e -> repr(e);
            default -> value.getClass().isArray() ? repr(value) : value.toString();
        };
    }

    /** {@code repr(value)}: strings quoted and escaped, containers recursively. */
    static String repr(Object value) {
        StringBuilder out = new StringBuilder();
        repr(out, value);
        return out.toString();
    }

    private static void repr(StringBuilder out, Object value) {
        switch (value) {
            case null -> out.append("None");
            case CharSequence s -> quote(out, s.toString());
            case Map<?, ?> m -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    out.append(first ? "" : ", ");
                    first = false;
                    repr(out, e.getKey());
                    out.append(": ");
                    repr(out, e.getValue());
                }
                out.append('}');
            }
            case Map.Entry<?, ?> e -> {
                out.append('(');
                repr(out, e.getKey());
                out.append(", ");
                repr(out, e.getValue());
                out.append(')');
            }
            case Iterable<?> it -> {
                out.append('[');
                boolean first = true;
                for (Object item : it) {
                    out.append(first ? "" : ", ");
                    first = false;
                    repr(out, item);
                }
                out.append(']');
            }
            default -> {
                if (value.getClass().isArray()) {
                    out.append('[');
                    for (int i = 0, n = Array.getLength(value); i < n; i++) {
                        out.append(i == 0 ? "" : ", ");
                        repr(out, Array.get(value, i));
                    }
                    out.append(']');
                } else {
                    out.append(str(value));
                }
            }
        }
    }

    /** Python's quoting: single quotes unless the text has one and no double quote. */
    private static void quote(StringBuilder out, String s) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        out.append(q);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c == q) {
                        out.append('\\').append(c);
                    } else if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append(q);
    }
}
