package io.edgenode.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** A chat request's {@code response_format}: free text, any JSON object, or JSON valid against a schema. */
public sealed interface OutputFormat {
    /** {@code {"type":"text"}} (and the default). */
    record Text() implements OutputFormat {}

    /** {@code {"type":"json_object"}}: one JSON object. */
    record JsonObject() implements OutputFormat {}

    /**
     * {@code {"type":"json_schema","json_schema":{"name","schema","strict"}}}: JSON valid against
     * {@code schema} ({@code {}}, any JSON value, when the request gave none).
     */
    record JsonSchema(String name, JsonNode schema, boolean strict) implements OutputFormat {
        public JsonSchema {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(schema, "schema");
        }
    }

    OutputFormat TEXT = new Text();

    /** OpenAI's rule for schema names. */
    Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    /** Reads {@code response_format}; {@link #TEXT} when absent. */
    static OutputFormat parse(ParamReader r) {
        JsonNode n = r.get("response_format");
        if (n == null) {
            return TEXT;
        }
        ParamReader f = ParamReader.object(n, "response_format");
        String type = f.requiredString("type");
        return switch (type) {
            case "text" -> TEXT;
            case "json_object" -> new JsonObject();
            case "json_schema" -> {
                ParamReader s = ParamReader.object(f.required("json_schema"), f.param("json_schema"));
                String name = s.requiredString("name");
                if (!NAME.matcher(name).matches()) {
                    throw new ApiException(ApiError.invalidRequest(s.param("name"), "invalid_value",
                            "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a"
                                    + " string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'."));
                }
                JsonNode schema = s.get("schema");
                if (schema == null) {
                    schema = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
                } else if (!schema.isObject() && !schema.isBoolean()) {
                    throw ParamReader.invalidType(s.param("schema"), "an object", schema);
                }
                yield new JsonSchema(name, schema, s.bool("strict", false));
            }
            default -> throw ParamReader.invalidValue(f.param("type"), ParamReader.echo(type),
                    List.of("text", "json_object", "json_schema"));
        };
    }
}
