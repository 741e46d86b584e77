package io.edgenode.core.grammar;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Strings drawn at random from each grammar we write for llama.cpp's corpus are JSON, and valid
 * against the schema (networknt json-schema-validator), so the grammar never lets a model write
 * what the schema refuses. Seeds are fixed: a failure reproduces.
 */
class GrammarSamplingTest {
    private static final int SAMPLES = 50;
    private static final ObjectMapper STRICT_JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.ALLOW_COMMENTS);

    /** Cases whose samples are not checked against the schema, each with the reason. */
    static final Map<String, String> NOT_VALIDATED = Map.of(
            "unanchored regexp", "llama.cpp widens an untranslatable pattern to any string (with a warning)",
            "regexp with unsupported shorthand", "llama.cpp widens an untranslatable pattern to any string (with a warning)",
            "unsupported regexp in a property", "llama.cpp widens an untranslatable pattern to any string (with a warning)");

    /**
     * Cases validated with {@code format} not asserted, each with the reason; everything else in
     * the schema still is.
     */
    static final Map<String, String> FORMAT_NOT_ASSERTED = Map.of(
            "exotic formats", "the date rule (llama.cpp's) allows day 31 in every month; the validator checks calendar dates");

    /** Parses numbers as BigDecimal: the grammar allows 16-digit exponents, beyond double. */
    private static final tools.jackson.databind.ObjectMapper VALIDATOR_JSON = tools.jackson.databind.json.JsonMapper.builder()
            .enable(tools.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(tools.jackson.databind.DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .build();

    static List<LlamaCorpus.Case> successes() {
        return LlamaCorpus.successes();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("successes")
    void shouldOnlyGenerateDocumentsTheSchemaAccepts(LlamaCorpus.Case c) throws Exception {
        assumeFalse(NOT_VALIDATED.containsKey(c.description()), () -> NOT_VALIDATED.get(c.description()));
        String grammarText = JsonGrammars.fromSchema(c.schemaNode());
        GbnfGrammar grammar = GbnfGrammar.parse(grammarText);
        GbnfGenerator generator = new GbnfGenerator(grammar, c.description().hashCode(), 12, 400);
        Schema schema = validatorSchema(c.schema());
        for (int i = 0; i < SAMPLES; i++) {
            String doc = withoutSurrogateEscapes(generator.generate());
            JsonNode parsed;
            try {
                parsed = STRICT_JSON.readTree(doc);
            } catch (Exception e) {
                fail("sample " + i + " is not JSON: " + doc + "\n" + grammarText, e);
                return;
            }
            assertTrue(parsed != null, doc);
            tools.jackson.databind.JsonNode instance = VALIDATOR_JSON.readTree(withSmallExponents(doc));
            List<Error> errors = FORMAT_NOT_ASSERTED.containsKey(c.description())
                    ? schema.validate(instance, ctx -> ctx.executionConfig(b -> b.formatAssertionsEnabled(false)))
                    : schema.validate(instance);
            if (!errors.isEmpty()) {
                fail("sample " + i + " " + doc + " breaks the schema: " + errors + "\n" + grammarText);
            }
        }
    }

    /**
     * Rewrites every {@code \\uD800}-{@code \\uDFFF} escape to {@code \\u0041}. JSON (RFC 8259)
     * allows any four hex digits, and so does the grammar's {@code char} rule, but Jackson refuses a
     * lone surrogate in a field name; the number of characters, which length bounds count, only grows.
     */
    static String withoutSurrogateEscapes(String doc) {
        StringBuilder out = new StringBuilder(doc.length());
        for (int i = 0; i < doc.length(); i++) {
            char c = doc.charAt(i);
            out.append(c);
            if (c == '\\' && i + 1 < doc.length()) {
                char next = doc.charAt(++i);
                out.append(next);
                if (next == 'u' && i + 4 < doc.length()) {
                    String hex = doc.substring(i + 1, i + 5);
                    int v = Integer.parseInt(hex, 16);
                    out.append(v >= 0xD800 && v <= 0xDFFF ? "0041" : hex);
                    i += 4;
                }
            }
        }
        return out.toString();
    }

    /** The sample as the validator reads it: huge exponents tamed, numbers as BigDecimal. */
    static tools.jackson.databind.JsonNode parseForValidator(String doc) {
        return VALIDATOR_JSON.readTree(withSmallExponents(doc));
    }

    /**
     * Rewrites exponents of four or more digits to {@code 9}. llama.cpp's {@code number} rule allows
     * 16 exponent digits, past what Jackson parses even as BigDecimal; no schema we convert looks
     * at a number's size, only at its being a number, which this keeps. Text inside strings is
     * left alone.
     */
    static String withSmallExponents(String doc) {
        StringBuilder out = new StringBuilder(doc.length());
        StringBuilder outside = new StringBuilder();
        boolean inString = false;
        for (int i = 0; i < doc.length(); i++) {
            char c = doc.charAt(i);
            if (inString) {
                out.append(c);
                if (c == '\\') {
                    out.append(doc.charAt(++i));
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                out.append(outside.toString().replaceAll("([eE][-+]?)[0-9]{4,}", "$19"));
                outside.setLength(0);
                out.append(c);
                inString = true;
            } else {
                outside.append(c);
            }
        }
        return out.append(outside.toString().replaceAll("([eE][-+]?)[0-9]{4,}", "$19")).toString();
    }

    /**
     * The schema as llama.cpp reads it, for the validator: llama.cpp takes a schema (not an array)
     * under {@code prefixItems} as the item schema, or ignores it beside {@code items}; a validator
     * refuses it.
     */
    private static String asLlamaReadsIt(String schemaText) throws Exception {
        JsonNode schema = LlamaCorpus.JSON.readTree(schemaText);
        rewritePrefixItems(schema);
        return schema.toString();
    }

    private static void rewritePrefixItems(JsonNode node) {
        if (node.isObject()) {
            com.fasterxml.jackson.databind.node.ObjectNode obj = (com.fasterxml.jackson.databind.node.ObjectNode) node;
            JsonNode prefix = obj.get("prefixItems");
            if (prefix != null && prefix.isObject()) {
                obj.remove("prefixItems");
                if (!obj.has("items")) {
                    obj.set("items", prefix);
                }
            }
        }
        node.forEach(GrammarSamplingTest::rewritePrefixItems);
    }

    /**
     * Draft 7 unless the schema uses 2020-12's {@code prefixItems}: the corpus writes tuples as
     * {@code items: [...]} (draft 7) and as {@code prefixItems} (2020-12).
     */
    private static Schema validatorSchema(String originalText) throws Exception {
        String schemaText = asLlamaReadsIt(originalText);
        SpecificationVersion version = schemaText.contains("prefixItems")
                ? SpecificationVersion.DRAFT_2020_12 : SpecificationVersion.DRAFT_7;
        return SchemaRegistry.withDefaultDialect(version).getSchema(schemaText, InputFormat.JSON);
    }

    /** Schemas beyond the corpus: the places where our grammar differs from llama.cpp's, and mixes. */
    static List<String> extraSchemas() {
        return List.of(
                "{\"type\": \"integer\", \"minimum\": 109}",
                "{\"type\": \"integer\", \"maximum\": -20305}",
                "{\"type\": \"integer\", \"minimum\": -1009, \"maximum\": 20305}",
                "{\"type\": \"string\", \"pattern\": \"^[ -~]\\\"\\\\\\\\[^a-c]\\\\n.+$\"}",
                "{\"type\": \"string\", \"pattern\": \"^a\\\\.{2}(x|\\\"){1,3}$\"}",
                "{\"properties\": {\"a-b\": {\"type\": \"integer\"}, \"a\\\"]\": {\"type\": \"null\"}, \"\\\\x\": {}},"
                        + " \"additionalProperties\": {\"type\": \"number\"}}",
                "{\"type\": [\"array\", \"null\"], \"items\": {\"type\": [\"string\", \"integer\"], \"maxLength\": 3},"
                        + " \"minItems\": 2, \"maxItems\": 4}",
                "{\"$ref\": \"#/$defs/node\", \"$defs\": {\"node\": {\"type\": \"object\", \"properties\":"
                        + " {\"v\": {\"enum\": [1, \"x\", null]}, \"kids\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/$defs/node\"}}},"
                        + " \"required\": [\"v\"], \"additionalProperties\": false}}}",
                "{\"anyOf\": [{\"const\": {\"k\": [1.5, \"q\\\"\"]}}, {\"type\": \"string\", \"format\": \"uuid\"},"
                        + " {\"type\": \"string\", \"format\": \"time\"}]}");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("extraSchemas")
    void shouldOnlyGenerateDocumentsExtraSchemasAccept(String schemaText) throws Exception {
        GbnfGenerator generator = new GbnfGenerator(GbnfGrammar.parse(JsonGrammars.fromSchema(LlamaCorpus.JSON.readTree(schemaText))),
                schemaText.hashCode(), 12, 400);
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(schemaText, InputFormat.JSON);
        for (int i = 0; i < SAMPLES; i++) {
            String doc = withoutSurrogateEscapes(generator.generate());
            STRICT_JSON.readTree(doc);
            List<Error> errors = schema.validate(VALIDATOR_JSON.readTree(withSmallExponents(doc)));
            if (!errors.isEmpty()) {
                fail("sample " + i + " " + doc + " breaks the schema: " + errors);
            }
        }
    }

    @Test
    void shouldGenerateJsonFromAnyValueGrammar() {
        GbnfGenerator generator = new GbnfGenerator(GbnfGrammar.parse(JsonGrammars.fromSchema(
                LlamaCorpus.JSON.createObjectNode())), 7, 12, 400);
        for (int i = 0; i < 200; i++) {
            String doc = withoutSurrogateEscapes(generator.generate());
            assertDoesNotThrow(() -> STRICT_JSON.readTree(doc), doc);
        }
    }

    @Test
    void shouldGenerateOnlyObjectsFromAnyJsonObjectGrammar() throws Exception {
        GbnfGenerator generator = new GbnfGenerator(GbnfGrammar.parse(JsonGrammars.anyJsonObject()), 11, 12, 400);
        for (int i = 0; i < 200; i++) {
            String doc = withoutSurrogateEscapes(generator.generate());
            assertTrue(STRICT_JSON.readTree(doc).isObject(), doc);
        }
    }
}
