package io.edgenode.core.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Objects;

/**
 * Whole GBNF grammars for structured output: a JSON schema's documents, or any JSON object
 * ({@code response_format: json_object}). Stateless; each call builds its own
 * {@link JsonSchemaConverter}. Hand-written because no Java library converts JSON schema to
 * llama.cpp GBNF.
 */
public final class JsonGrammars {
    private JsonGrammars() {
    }

    /**
     * The grammar of JSON documents valid against {@code schema}, root rule {@code root}. As in
     * llama.cpp, a pattern with no GBNF equivalent is widened to any string; build a
     * {@link JsonSchemaConverter} to see its {@linkplain JsonSchemaConverter#warnings() warnings}
     * or to refuse such patterns.
     *
     * @throws SchemaConversionException if the schema cannot be converted
     */
    public static String fromSchema(JsonNode schema) {
        Objects.requireNonNull(schema, "schema");
        JsonSchemaConverter converter = new JsonSchemaConverter();
        converter.addSchema("root", schema);
        return converter.format();
    }

    /** The grammar of any JSON object, root rule {@code root}. */
    public static String anyJsonObject() {
        JsonSchemaConverter converter = new JsonSchemaConverter();
        converter.addSchema("root", JsonNodeFactory.instance.objectNode().put("type", "object"));
        return converter.format();
    }
}
