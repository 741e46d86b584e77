package io.edgenode.core.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * Compact JSON text of a value, written the way llama.cpp's JSON library (nlohmann, {@code dump()})
 * writes it, because {@code const}, {@code enum} and property-name literals in the grammar are that
 * text: a model must emit exactly those bytes. Stateless.
 *
 * <p>Differences from Jackson's {@code toString()} that matter here: control characters are
 * <code>&#92;u00xx</code> in lower case hex (except {@code \b \f \n \r \t}), non-ASCII is written as is, and
 * doubles use nlohmann's shortest-round-trip layout ({@code 1e+100}, {@code 0.001}, {@code 3.0}).
 */
final class JsonText {
    private JsonText() {
    }

    static String dump(JsonNode value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    private static void write(JsonNode value, StringBuilder out) {
        switch (value.getNodeType()) {
            case NULL, MISSING -> out.append("null");
            case BOOLEAN -> out.append(value.booleanValue());
            case STRING -> string(value.textValue(), out);
            case NUMBER -> number(value, out);
            case ARRAY -> {
                out.append('[');
                for (int i = 0; i < value.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(value.get(i), out);
                }
                out.append(']');
            }
            case OBJECT -> {
                out.append('{');
                boolean first = true;
                for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(field.getKey(), out);
                    out.append(':');
                    write(field.getValue(), out);
                }
                out.append('}');
            }
            default -> out.append(value.toString());
        }
    }

    static String string(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2);
        string(text, out);
        return out.toString();
    }

    private static void string(String text, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static void number(JsonNode value, StringBuilder out) {
        if (value.isIntegralNumber()) {
            out.append(value.bigIntegerValue());
            return;
        }
        double d = value.doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            out.append("null"); // what nlohmann writes for them
            return;
        }
        if (d == 0) {
            out.append(1 / d < 0 ? "-0.0" : "0.0");
            return;
        }
        // shortest digits that round-trip (Double.toString guarantees this since JDK 19)
        BigDecimal shortest = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = shortest.unscaledValue().toString();
        int k = digits.length();
        int n = k - shortest.scale(); // decimal point position: value = 0.digits * 10^n
        if (d < 0) {
            out.append('-');
        }
        if (k <= n && n <= 15) {
            out.append(digits).append("0".repeat(n - k)).append(".0");
        } else if (0 < n && n <= 15) {
            out.append(digits, 0, n).append('.').append(digits, n, k);
        } else if (-4 < n && n <= 0) {
            out.append("0.").append("0".repeat(-n)).append(digits);
        } else {
            int e = n - 1;
            out.append(digits.charAt(0));
            if (k > 1) {
                out.append('.').append(digits, 1, k);
            }
            out.append('e').append(e < 0 ? '-' : '+');
            int abs = Math.abs(e);
            if (abs < 10) {
                out.append('0');
            }
            out.append(abs);
        }
    }
}
