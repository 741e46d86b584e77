package io.edgenode.core.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** The converter's own rules: names, property order, refs, bounds, patterns, combinators. */
class JsonSchemaConverterTest {

    private static JsonNode json(String text) {
        try {
            return LlamaCorpus.JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static GbnfMatcher matcher(String schema) {
        return new GbnfMatcher(GbnfGrammar.parse(JsonGrammars.fromSchema(json(schema))));
    }

    @Test
    void shouldReuseSameRuleAndNumberDifferentBodies() {
        JsonSchemaConverter c = new JsonSchemaConverter();
        assertEquals("item", c.addRule("item", "\"a\""));
        assertEquals("item", c.addRule("item", "\"a\""));
        assertEquals("item0", c.addRule("item", "\"b\""));
        assertEquals("item1", c.addRule("item", "\"c\""));
        assertEquals("item0", c.addRule("item", "\"b\""));
        assertEquals("a-b-c", c.addRule("a b!?c", "\"x\""));
        c.addRule("root", "item | item0 | item1 | a-b-c");
        GbnfGrammar.parse(c.format());
    }

    @Test
    void shouldWriteOneSortedRulePerLine() {
        JsonSchemaConverter c = new JsonSchemaConverter();
        c.addRule("zeta", "\"z\"");
        c.addRule("root", "zeta | alpha");
        c.addRule("alpha", "\"a\"");
        assertEquals("alpha ::= \"a\"\nroot ::= zeta | alpha\nspace ::= " + JsonSchemaConverter.SPACE_RULE + "\nzeta ::= \"z\"\n",
                c.format());
    }

    @Test
    void shouldOrderRequiredThenOptionalPropertiesInDocumentOrder() {
        GbnfMatcher m = matcher("""
                {"type": "object", "properties": {"c": {"type": "integer"}, "a": {"type": "integer"}, "b": {"type": "integer"}},
                 "required": ["b"], "additionalProperties": false}""");
        assertTrue(m.matches("{\"b\":1,\"c\":2,\"a\":3}"));
        assertTrue(m.matches("{\"b\":1,\"a\":3}"));
        assertTrue(m.matches("{\"b\":1}"));
        assertFalse(m.matches("{\"b\":1,\"a\":3,\"c\":2}"), "optional properties keep document order");
        assertFalse(m.matches("{\"c\":2,\"b\":1}"), "required properties come first");
        assertFalse(m.matches("{\"a\":3}"), "b is required");
        assertFalse(m.matches("{\"b\":1,\"d\":4}"), "no additional properties");
    }

    @Test
    void shouldPutAdditionalPropertiesLastAndNeverReuseNamedKeys() {
        GbnfMatcher m = matcher("""
                {"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": {"type": "boolean"}}""");
        assertTrue(m.matches("{\"a\":1,\"x\":true,\"y\":false}"));
        assertTrue(m.matches("{\"x\":true}"));
        assertFalse(m.matches("{\"a\":true}"), "a is named, so it must be an integer");
        assertFalse(m.matches("{\"x\":true,\"a\":1}"), "additional properties come last");
    }

    @Test
    void shouldResolveRootNestedAndRecursiveRefs() {
        GbnfMatcher m = matcher("""
                {"type": "object", "properties": {"v": {"type": "integer"}, "next": {"$ref": "#"},
                  "leaf": {"$ref": "#/$defs/pair/properties/left"}},
                 "additionalProperties": false,
                 "$defs": {"pair": {"properties": {"left": {"type": "string", "maxLength": 2}}}}}""");
        assertTrue(m.matches("{\"v\":1,\"next\":{\"v\":2,\"next\":{}}}"));
        assertTrue(m.matches("{\"leaf\":\"ab\"}"));
        assertFalse(m.matches("{\"leaf\":\"abc\"}"));
    }

    @Test
    void shouldKeepRefsOfTwoDocumentsApart() {
        JsonSchemaConverter c = new JsonSchemaConverter();
        String a = c.addSchema("a", json("{\"$ref\": \"#/$defs/x\", \"$defs\": {\"x\": {\"type\": \"integer\"}}}"));
        String b = c.addSchema("b", json("{\"$ref\": \"#/$defs/x\", \"$defs\": {\"x\": {\"type\": \"boolean\"}}}"));
        c.addRule("root", a + " | " + b);
        GbnfMatcher m = new GbnfMatcher(GbnfGrammar.parse(c.format()));
        assertTrue(m.matches("12"));
        assertTrue(m.matches("true"));
        assertNotEquals(a, b);
    }

    @Test
    void shouldRefuseRemoteAndUnresolvableRefsWithPointer() {
        SchemaConversionException remote = assertThrows(SchemaConversionException.class, () -> JsonGrammars.fromSchema(json(
                "{\"properties\": {\"a\": {\"$ref\": \"https://example.com/schema.json\"}}}")));
        assertEquals("#/properties/a", remote.pointer());
        SchemaConversionException missing = assertThrows(SchemaConversionException.class, () -> JsonGrammars.fromSchema(json(
                "{\"items\": {\"$ref\": \"#/$defs/nope\"}}")));
        assertEquals("#/items", missing.pointer());
    }

    @Test
    void shouldRefuseRepetitionsBeyondTheBound() {
        int max = JsonSchemaConverter.MAX_REPETITIONS;
        JsonGrammars.fromSchema(json("{\"type\": \"array\", \"maxItems\": " + max + "}"));
        JsonGrammars.fromSchema(json("{\"type\": \"string\", \"maxLength\": " + max + "}"));
        for (String schema : new String[] {
            "{\"type\": \"array\", \"maxItems\": " + (max + 1) + "}",
            "{\"type\": \"array\", \"minItems\": 5000}",
            "{\"type\": \"string\", \"maxLength\": 100000}",
            "{\"type\": \"string\", \"minLength\": " + (max + 1) + "}",
            "{\"type\": \"string\", \"pattern\": \"^a{1," + (max + 1) + "}$\"}"}) {
            assertThrows(SchemaConversionException.class, () -> JsonGrammars.fromSchema(json(schema)), schema);
        }
    }

    @Test
    void shouldBoundItemsAndLength() {
        GbnfMatcher items = matcher("{\"type\": \"array\", \"items\": {\"type\": \"integer\"}, \"minItems\": 1, \"maxItems\": 3}");
        assertFalse(items.matches("[]"));
        assertTrue(items.matches("[1]"));
        assertTrue(items.matches("[1,2,3]"));
        assertFalse(items.matches("[1,2,3,4]"));
        GbnfMatcher length = matcher("{\"type\": \"string\", \"minLength\": 2, \"maxLength\": 3}");
        assertFalse(length.matches("\"a\""));
        assertTrue(length.matches("\"ab\""));
        assertTrue(length.matches("\"a\\nb\""));
        assertFalse(length.matches("\"abcd\""));
    }

    @Test
    void shouldTranslatePatterns() {
        GbnfMatcher m = matcher("{\"type\": \"string\", \"pattern\": \"^(?:[a-c]{2}|x+)-\\\\d?$\"}".replace("\\\\d?", "[0-9]?"));
        assertTrue(m.matches("\"ab-\""));
        assertTrue(m.matches("\"xxx-7\""));
        assertFalse(m.matches("\"abc-\""));
        assertFalse(m.matches("\"ab\""));
    }

    @Test
    void shouldWidenUntranslatablePatternWithWarningOrRefuseWhenStrict() {
        JsonNode schema = json("{\"properties\": {\"a\": {\"type\": \"string\", \"pattern\": \"^\\\\d+$\"}}}");
        JsonSchemaConverter lenient = new JsonSchemaConverter();
        lenient.addSchema("root", schema);
        assertEquals(1, lenient.warnings().size());
        assertTrue(lenient.format().contains("a ::= string"), lenient.format());
        SchemaConversionException e = assertThrows(SchemaConversionException.class,
                () -> new JsonSchemaConverter(false, true).addSchema("root", schema));
        assertEquals("#/properties/a/pattern", e.pointer());
    }

    @Test
    void shouldPointIntoTypeArraysAtTheSchemaItself() {
        SchemaConversionException e = assertThrows(SchemaConversionException.class, () -> JsonGrammars.fromSchema(json(
                "{\"properties\": {\"p\": {\"type\": [\"string\", \"null\"], \"pattern\": \"^(x$\"}}}")));
        assertEquals("#/properties/p/pattern", e.pointer());
        SchemaConversionException huge = assertThrows(SchemaConversionException.class, () -> JsonGrammars.fromSchema(json(
                "{\"type\": \"array\", \"maxItems\": 123456789012345678901234567890}")));
        assertTrue(huge.getMessage().contains("exceeds"), huge.getMessage());
    }

    @Test
    void shouldRefuseInvalidPatternWithPointer() {
        SchemaConversionException e = assertThrows(SchemaConversionException.class, () -> JsonGrammars.fromSchema(json(
                "{\"items\": {\"type\": \"string\", \"pattern\": \"^a)$\"}}")));
        assertEquals("#/items/pattern", e.pointer());
    }

    @Test
    void shouldAcceptNullableCombinations() {
        GbnfMatcher typeArray = matcher("{\"type\": [\"string\", \"null\"], \"maxLength\": 2}");
        assertTrue(typeArray.matches("null"));
        assertTrue(typeArray.matches("\"ab\""));
        assertFalse(typeArray.matches("\"abc\""));
        GbnfMatcher anyOf = matcher("{\"anyOf\": [{\"type\": \"integer\", \"minimum\": 0}, {\"type\": \"null\"}]}");
        assertTrue(anyOf.matches("null"));
        assertTrue(anyOf.matches("3"));
        assertFalse(anyOf.matches("-3"));
    }

    @Test
    void shouldMergeAllOfObjects() {
        GbnfMatcher m = matcher("""
                {"allOf": [{"type": "object", "properties": {"a": {"type": "integer"}}},
                           {"properties": {"b": {"type": "boolean"}}}]}""");
        assertTrue(m.matches("{\"a\":1,\"b\":true}"));
        assertFalse(m.matches("{\"a\":1}"), "each allOf component's properties are required");
    }

    @Test
    void shouldWriteAPropertyOfSeveralAllOfComponentsOnce() {
        GbnfMatcher m = matcher("""
                {"allOf": [{"properties": {"a": {"type": "integer"}}}, {"properties": {"a": {"type": "integer", "maximum": 5}}}]}""");
        assertTrue(m.matches("{\"a\":5}"));
        assertFalse(m.matches("{\"a\":6}"), "the last component's schema");
        assertFalse(m.matches("{\"a\":1,\"a\":2}"), "llama.cpp's grammar wants the key twice");
    }

    @Test
    void shouldTreatTrueAndEmptySchemaAsAnyValue() {
        assertEquals(JsonGrammars.fromSchema(json("{}")), JsonGrammars.fromSchema(json("true")));
        GbnfMatcher m = matcher("{\"properties\": {\"x\": true}, \"required\": [\"x\"], \"additionalProperties\": false}");
        assertTrue(m.matches("{\"x\":[1,{\"y\":null}]}"));
    }

    @Test
    void shouldMatchOnlyObjectsForJsonObjectMode() {
        GbnfMatcher m = new GbnfMatcher(GbnfGrammar.parse(JsonGrammars.anyJsonObject()));
        assertTrue(m.matches("{}"));
        assertTrue(m.matches("{\"a\": [1, \"x\"]}"));
        assertFalse(m.matches("[]"));
        assertFalse(m.matches("\"x\""));
    }

    @Test
    void shouldQuoteConstantsAsJson() {
        GbnfMatcher m = matcher("{\"enum\": [\"a\\\"b\", 1.5, null, {\"k\": [true]}]}");
        assertTrue(m.matches("\"a\\\"b\""));
        assertTrue(m.matches("1.5"));
        assertTrue(m.matches("null"));
        assertTrue(m.matches("{\"k\":[true]}"));
        assertFalse(m.matches("\"ab\""));
    }

    @Test
    void shouldResolveSubSchemaRefsAgainstItsDocumentLikeLlamaCpp() {
        // llama.cpp's "sub-schema $ref" check: one property's schema added alone names the ref rule
        JsonNode parameters = json("""
                {"type": "object", "properties": {"item": {"$ref": "#/$defs/item"}},
                 "$defs": {"item": {"type": "object", "properties": {"a": {"type": "string"}},
                                    "required": ["a"], "additionalProperties": false}}}""");
        JsonSchemaConverter c = new JsonSchemaConverter();
        c.addSchema("root", parameters.get("properties").get("item"), parameters);
        assertEquals("""
                char ::= [^"\\\\\\x7F\\x00-\\x1F] | [\\\\] (["\\\\bfnrt] | "u" [0-9a-fA-F]{4})
                ref-defs-item ::= "{" space ref-defs-item-a-kv space "}"
                ref-defs-item-a-kv ::= "\\"a\\"" space ":" space string
                root ::= ref-defs-item
                space ::= | " " | "\\n"{1,2} [ \\t]{0,20}
                string ::= "\\"" char* "\\""
                """, c.format());
    }

    @Test
    void shouldConvertARecursiveDocument() {
        String grammar = JsonGrammars.fromSchema(json("""
                {"$ref": "#/$defs/node", "$defs": {"node": {"type": "object",
                  "properties": {"next": {"$ref": "#/$defs/node"}, "leaf": {}}, "additionalProperties": false}}}"""));
        GbnfMatcher m = new GbnfMatcher(GbnfGrammar.parse(grammar));
        assertTrue(m.matches("{\"next\":{\"next\":{},\"leaf\":[1]}}"));
        assertFalse(m.matches("{\"other\":1}"));
    }

    @Test
    void shouldRefuseAnEmptyRuleName() {
        assertThrows(IllegalArgumentException.class, () -> new JsonSchemaConverter().addRule("", "\"a\""));
    }
}
