package io.edgenode.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One JSON object of a request read field by field, confined to the thread that parses it: typed
 * reads whose every failure is the 400 OpenAI sends for it, with OpenAI's wording, {@code param}
 * and {@code code}.
 *
 * <p>Conventions (OpenAI's): an explicit JSON {@code null} is the same as an absent field;
 * {@code param} is the path of the field ({@code messages[0].content[1].type}); values echoed in
 * messages are cut to {@value #MAX_ECHO} characters so that an error body stays small.
 */
final class ParamReader {
    static final String MISSING = "missing_required_parameter";
    static final String INVALID_TYPE = "invalid_type";
    static final String INVALID_VALUE = "invalid_value";
    static final String UNSUPPORTED_VALUE = "unsupported_value";
    static final String UNSUPPORTED_PARAMETER = "unsupported_parameter";
    static final String EMPTY_ARRAY = "empty_array";
    static final String EMPTY_STRING = "empty_string";
    static final String ARRAY_TOO_LONG = "array_above_max_length";
    static final String INTEGER_BELOW_MIN = "integer_below_min_value";
    static final String INTEGER_ABOVE_MAX = "integer_above_max_value";
    static final String DECIMAL_BELOW_MIN = "decimal_below_min_value";
    static final String DECIMAL_ABOVE_MAX = "decimal_above_max_value";
    static final int MAX_ECHO = 64;

    private final ObjectNode node;
    private final String path;

    private ParamReader(ObjectNode node, String path) {
        this.node = node;
        this.path = path;
    }

    /** The request body. */
    static ParamReader root(ObjectNode body) {
        return new ParamReader(body, "");
    }

    /** {@code value} at {@code param}, which must be an object. */
    static ParamReader object(JsonNode value, String param) {
        if (value == null || !value.isObject()) {
            throw invalidType(param, "an object", value);
        }
        return new ParamReader((ObjectNode) value, param);
    }

    /** The path of field {@code name} of this object, as OpenAI writes it in {@code param}. */
    String param(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** The field, or null when it is absent or JSON {@code null}. */
    JsonNode get(String name) {
        JsonNode n = node.get(name);
        return n == null || n.isNull() ? null : n;
    }

    /** The field as sent: null when absent, a NullNode for an explicit {@code null}. */
    JsonNode raw(String name) {
        return node.get(name);
    }

    JsonNode required(String name) {
        JsonNode n = get(name);
        if (n == null) {
            throw missing(param(name));
        }
        return n;
    }

    String requiredString(String name) {
        JsonNode n = required(name);
        if (!n.isTextual()) {
            throw invalidType(param(name), "a string", n);
        }
        return n.textValue();
    }

    /** An optional string; null when absent. */
    String string(String name) {
        JsonNode n = get(name);
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            throw invalidType(param(name), "a string", n);
        }
        return n.textValue();
    }

    boolean bool(String name, boolean absent) {
        JsonNode n = get(name);
        if (n == null) {
            return absent;
        }
        if (!n.isBoolean()) {
            throw invalidType(param(name), "a boolean", n);
        }
        return n.booleanValue();
    }

    /** An optional number in {@code [min, max]}, as a float. */
    float decimal(String name, float absent, double min, double max) {
        JsonNode n = get(name);
        if (n == null) {
            return absent;
        }
        double v = number(name, n);
        if (v < min) {
            throw belowMin(param(name), false, n, bound(min), false);
        }
        if (!(v <= max)) {
            throw aboveMax(param(name), false, n, bound(max));
        }
        return (float) v;
    }

    /**
     * An optional number {@code > min} (exclusive) and at most {@code Float.MAX_VALUE}; the check
     * is on the float, so a positive value too small for a float is below the minimum too.
     */
    float decimalAbove(String name, float absent, double exclusiveMin) {
        JsonNode n = get(name);
        if (n == null) {
            return absent;
        }
        double v = number(name, n);
        if (!(v <= Float.MAX_VALUE)) {
            throw aboveMax(param(name), false, n, bound(Float.MAX_VALUE));
        }
        if (!((float) v > exclusiveMin)) {
            throw belowMin(param(name), false, n, bound(exclusiveMin), true);
        }
        return (float) v;
    }

    private double number(String name, JsonNode n) {
        if (!n.isNumber()) {
            throw invalidType(param(name), "a decimal", n);
        }
        return n.doubleValue();
    }

    /**
     * An optional integer in {@code [min, max]}. A decimal with no fractional part ({@code 256.0},
     * what float arithmetic in a client produces) is accepted as that integer; any other decimal
     * is the wrong type.
     */
    long integer(String name, long absent, long min, long max) {
        JsonNode n = get(name);
        if (n == null) {
            return absent;
        }
        if (!n.isNumber()) {
            throw invalidType(param(name), "an integer", n);
        }
        String p = param(name);
        if (n.isFloatingPointNumber()) {
            double d = n.doubleValue();
            if (Double.isFinite(d) && d != Math.rint(d)) {
                throw invalidType(p, "an integer", n);
            }
            if (d < min) {
                throw belowMin(p, true, n, Long.toString(min), false);
            }
            if (d > max) {
                throw aboveMax(p, true, n, Long.toString(max));
            }
            return (long) d;
        }
        if (!n.canConvertToLong()) {
            throw n.bigIntegerValue().signum() < 0
                    ? belowMin(p, true, n, Long.toString(min), false)
                    : aboveMax(p, true, n, Long.toString(max));
        }
        long v = n.longValue();
        if (v < min) {
            throw belowMin(p, true, n, Long.toString(min), false);
        }
        if (v > max) {
            throw aboveMax(p, true, n, Long.toString(max));
        }
        return v;
    }

    // ---- OpenAI's errors -------------------------------------------------------------------

    static ApiException missing(String param) {
        return fail(param, MISSING, "Missing required parameter: '" + param + "'.");
    }

    static ApiException invalidType(String param, String expected, JsonNode got) {
        return fail(param, INVALID_TYPE,
                "Invalid type for '" + param + "': expected " + expected + ", but got " + describe(got) + " instead.");
    }

    static ApiException emptyArray(String param) {
        return fail(param, EMPTY_ARRAY, "Invalid '" + param
                + "': empty array. Expected an array with minimum length 1, but got an empty array instead.");
    }

    static ApiException emptyString(String param) {
        return fail(param, EMPTY_STRING, "Invalid '" + param
                + "': empty string. Expected a string with minimum length 1, but got an empty string instead.");
    }

    static ApiException arrayTooLong(String param, int max, int length) {
        return fail(param, ARRAY_TOO_LONG, "Invalid '" + param + "': array too long. Expected an array with maximum"
                + " length " + max + ", but got an array with length " + length + " instead.");
    }

    /** A value outside the field's enumeration. */
    static ApiException invalidValue(String param, String value, List<String> supported) {
        StringBuilder m = new StringBuilder("Invalid value: '").append(echo(value)).append("'. Supported values are: ");
        for (int i = 0; i < supported.size(); i++) {
            if (i > 0) {
                m.append(i == supported.size() - 1 ? (supported.size() > 2 ? ", and " : " and ") : ", ");
            }
            m.append('\'').append(supported.get(i)).append('\'');
        }
        return fail(param, INVALID_VALUE, m.append('.').toString());
    }

    /** A valid OpenAI value that this server does not implement; {@code value} as it should read. */
    static ApiException unsupportedValue(String param, String value, String why) {
        return fail(param, UNSUPPORTED_VALUE,
                "Unsupported value: '" + param + "' does not support " + value + " with this model. " + why);
    }

    /** A valid OpenAI parameter that this server does not implement. */
    static ApiException unsupportedParameter(String param, String why) {
        return fail(param, UNSUPPORTED_PARAMETER,
                "Unsupported parameter: '" + param + "' is not supported with this model. " + why);
    }

    private static ApiException belowMin(String param, boolean integer, JsonNode got, String min, boolean exclusive) {
        String kind = integer ? "integer" : "decimal";
        return fail(param, integer ? INTEGER_BELOW_MIN : DECIMAL_BELOW_MIN, "Invalid '" + param + "': " + kind
                + " below minimum value. Expected a value " + (exclusive ? "> " : ">= ") + min + ", but got "
                + echo(got.asText()) + " instead.");
    }

    private static ApiException aboveMax(String param, boolean integer, JsonNode got, String max) {
        String kind = integer ? "integer" : "decimal";
        return fail(param, integer ? INTEGER_ABOVE_MAX : DECIMAL_ABOVE_MAX, "Invalid '" + param + "': " + kind
                + " above maximum value. Expected a value <= " + max + ", but got " + echo(got.asText())
                + " instead.");
    }

    private static ApiException fail(String param, String code, String message) {
        return new ApiException(ApiError.invalidRequest(param, code, message));
    }

    /** A JSON value's type as OpenAI's messages name it: "a string", "an integer", "null", ... */
    static String describe(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return "null";
        }
        if (n.isTextual()) {
            return "a string";
        }
        if (n.isBoolean()) {
            return "a boolean";
        }
        if (n.isIntegralNumber()) {
            return "an integer";
        }
        if (n.isNumber()) {
            return "a decimal";
        }
        if (n.isArray()) {
            return "an array";
        }
        return "an object";
    }

    /** A client value quoted back in a message, cut short. */
    static String echo(String value) {
        return value.length() <= MAX_ECHO ? value : value.substring(0, MAX_ECHO) + "...";
    }

    private static String bound(double b) {
        if (b == Math.rint(b) && Math.abs(b) < 1e18) {
            return Long.toString((long) b);
        }
        return Double.toString(b);
    }
}
