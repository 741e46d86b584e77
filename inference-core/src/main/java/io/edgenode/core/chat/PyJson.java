package io.edgenode.core.chat;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps} as Hugging Face's {@code tojson} filter calls it: {@code ensure_ascii=False},
 * separators {@code ", "} and {@code ": "} (or {@code ","} and {@code ": "} with an indent), insertion
 * order unless {@code sort_keys}. Templates paste this text into prompts, so the spacing is part of the
 * model's training format; Jinjava's own {@code tojson} (Jackson, no spaces) would not match.
 *
 * <p>Stateless; safe from any thread.
 */
final class PyJson {

    /** The formatting options of {@code json.dumps}; {@code indent == null} writes one line. */
    record Options(boolean ensureAscii, String indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        static final Options DEFAULT = new Options(false, null, ", ", ": ", false);

        /** Python's defaults for the given indent and explicit separators (either may be null). */
        static Options of(boolean ensureAscii, String indent, String itemSeparator, String keySeparator, boolean sortKeys) {
            String item = itemSeparator != null ? itemSeparator : indent != null ? "," : ", ";
            String key = keySeparator != null ? keySeparator : ": ";
            return new Options(ensureAscii, indent, item, key, sortKeys);
        }
    }

    private PyJson() {}

    /**
     * The {@code tojson} filter: {@code tojson(ensure_ascii=False, indent=None, separators=None,
     * sort_keys=False)}, Hugging Face's signature (positional arguments in that order, or keywords).
     */
    static String tojson(Object value, Object[] args, Map<String, Object> kwargs) {
        boolean ensureAscii = truthy(arg(args, kwargs, 0, "ensure_ascii"));
        Object indentArg = arg(args, kwargs, 1, "indent");
        String indent = switch (indentArg) {
            case null -> null;
            case Number n -> " ".repeat(Math.max(0, n.intValue()));
            default -> indentArg.toString();
        };
        String itemSeparator = null;
        String keySeparator = null;
        if (arg(args, kwargs, 2, "separators") instanceof List<?> separators && separators.size() == 2) {
            itemSeparator = String.valueOf(separators.get(0));
            keySeparator = String.valueOf(separators.get(1));
        }
        boolean sortKeys = truthy(arg(args, kwargs, 3, "sort_keys"));
        return dumps(value, Options.of(ensureAscii, indent, itemSeparator, keySeparator, sortKeys));
    }

    private static Object arg(Object[] args, Map<String, Object> kwargs, int index, String name) {
        if (args != null && index < args.length) {
            return args[index];
        }
        return kwargs == null ? null : kwargs.get(name);
    }

    private static boolean truthy(Object o) {
        return o instanceof Boolean b ? b : o != null && !"false".equalsIgnoreCase(o.toString()) && !"0".equals(o.toString());
    }

    static String dumps(Object value) {
        return dumps(value, Options.DEFAULT);
    }

    static String dumps(Object value, Options options) {
        StringBuilder out = new StringBuilder();
        write(out, value, options, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value, Options o, int depth) {
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Double d -> out.append(pyFloat(d));
            case Float f -> out.append(pyFloat(f.doubleValue()));
            case BigDecimal d -> out.append(pyFloat(d.doubleValue()));
            case Number n -> out.append(n);
            case CharSequence s -> string(out, s.toString(), o.ensureAscii());
            case Character c -> string(out, c.toString(), o.ensureAscii());
            case Map<?, ?> m -> object(out, m, o, depth);
            case Map.Entry<?, ?> e -> array(out, Arrays.asList(e.getKey(), e.getValue()), o, depth);
            case Collection<?> c -> array(out, c, o, depth);
            case Iterable<?> it -> {
                List<Object> items = new ArrayList<>();
                it.forEach(items::add);
                array(out, items, o, depth);
            }
            default -> {
                if (value.getClass().isArray()) {
                    List<Object> items = new ArrayList<>();
                    for (int i = 0, n = Array.getLength(value); i < n; i++) {
                        items.add(Array.get(value, i));
                    }
                    array(out, items, o, depth);
                } else {
                    // Python raises TypeError here; Jinjava values (dates, SafeString) are best shown as text.
                    string(out, value.toString(), o.ensureAscii());
                }
            }
        }
    }

    private static void object(StringBuilder out, Map<?, ?> map, Options o, int depth) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        if (o.sortKeys()) {
            entries.sort(Comparator.comparing(e -> keyText(e.getKey())));
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : entries) {
            if (!first) {
                out.append(o.itemSeparator());
            }
            first = false;
            newline(out, o, depth + 1);
            string(out, keyText(e.getKey()), o.ensureAscii());
            out.append(o.keySeparator());
            write(out, e.getValue(), o, depth + 1);
        }
        newline(out, o, depth);
        out.append('}');
    }

    private static void array(StringBuilder out, Collection<?> items, Options o, int depth) {
        if (items.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        boolean first = true;
        for (Object item : items) {
            if (!first) {
                out.append(o.itemSeparator());
            }
            first = false;
            newline(out, o, depth + 1);
            write(out, item, o, depth + 1);
        }
        newline(out, o, depth);
        out.append(']');
    }

    private static void newline(StringBuilder out, Options o, int depth) {
        if (o.indent() != null) {
            out.append('\n').append(o.indent().repeat(depth));
        }
    }

    /** Python converts dict keys with str(), except booleans and None, which become JSON literals. */
    private static String keyText(Object key) {
        return switch (key) {
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Double d -> pyFloat(d);
            default -> key.toString();
        };
    }

    private static void string(StringBuilder out, String s, boolean ensureAscii) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * Python's {@code repr(float)}: the shortest round-trip digits (Java's {@link Double#toString} gives
     * the same digits), positional for decimal exponents -4..15, else {@code 1e+16} style.
     */
    static String pyFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = bd.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - bd.scale();
        String sign = d < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = bd.abs().toPlainString();
            return sign + (plain.indexOf('.') < 0 ? plain + ".0" : plain);
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String exp = String.format("%02d", Math.abs(exponent));
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + exp;
    }
}
