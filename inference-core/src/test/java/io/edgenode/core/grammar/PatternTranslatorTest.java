package io.edgenode.core.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Regex patterns become GBNF over the JSON text of the string, so what a model writes is JSON. */
class PatternTranslatorTest {

    private static String grammarFor(String pattern) {
        return JsonGrammars.fromSchema(LlamaCorpus.JSON.createObjectNode().put("type", "string").put("pattern", pattern));
    }

    @Test
    void shouldWriteLlamaCppTextForPlainPatterns() {
        assertTrue(grammarFor("^ab+(c|d)?[x-z]{2}$").contains("root ::= \"\\\"\" (\"a\" \"b\"+ (\"c\" | \"d\")? root-1{2,2}) \"\\\"\"\n"
                + "root-1 ::= [x-z]\n"), grammarFor("^ab+(c|d)?[x-z]{2}$"));
    }

    @Test
    void shouldEscapeQuoteBackslashAndControlsAsJson() {
        GbnfMatcher m = new GbnfMatcher(GbnfGrammar.parse(grammarFor("^\"\\\\\\n\\t$")));
        assertTrue(m.matches("\"\\\"\\\\\\n\\t\""), "the JSON text of the four characters");
        assertFalse(m.matches("\"\"\\\n\t\""), "never the raw characters");
    }

    @Test
    void shouldOfferEscapesForClassesThatAdmitThem() {
        GbnfMatcher printable = new GbnfMatcher(GbnfGrammar.parse(grammarFor("^[ -~]$")));
        assertTrue(printable.matches("\"a\""));
        assertTrue(printable.matches("\"\\\"\""));
        assertTrue(printable.matches("\"\\\\\""));
        assertFalse(printable.matches("\"\"\""));
        assertFalse(printable.matches("\"\\\""));
        GbnfMatcher negated = new GbnfMatcher(GbnfGrammar.parse(grammarFor("^[^a]$")));
        assertTrue(negated.matches("\"b\""));
        assertTrue(negated.matches("\"\\n\""));
        assertFalse(negated.matches("\"a\""));
        assertFalse(negated.matches("\"\n\""));
    }

    @Test
    void shouldQuantifyOnlyTheEscapedCharacterBeforeTheQuantifier() {
        GbnfMatcher dots = new GbnfMatcher(GbnfGrammar.parse(grammarFor("^a\\.{2}$")));
        assertTrue(dots.matches("\"a..\""));
        assertFalse(dots.matches("\"a.a.\""));
        GbnfMatcher quotes = new GbnfMatcher(GbnfGrammar.parse(grammarFor("^a\"+$")));
        assertTrue(quotes.matches("\"a\\\"\\\"\""));
        assertFalse(quotes.matches("\"a\\\"a\\\"\""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"^[ -~]{1,6}$", "^[^a-c]{0,4}x$", "^.{2,5}$", "^\"(?:[a-z]|\\\\\\\\)+\"$", "^[\\\\x00-\\\\x7F]{3}$",
        "^(a|\\\\[|\\\\]){1,3}[\\\\-_]?$", "^[é😀-😂]+$", "^\\\\u00e9\\\\x41$"})
    void shouldGenerateOnlyJsonStringsThatMatch(String escapedPattern) throws Exception {
        String pattern = LlamaCorpus.JSON.readTree("\"" + escapedPattern + "\"").textValue();
        String schemaText = LlamaCorpus.JSON.createObjectNode().put("type", "string").put("pattern", pattern).toString();
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(schemaText, InputFormat.JSON);
        GbnfGenerator generator = new GbnfGenerator(GbnfGrammar.parse(grammarFor(pattern)), pattern.hashCode(), 12, 200);
        for (int i = 0; i < 100; i++) {
            String doc = generator.generate();
            JsonNode parsed = LlamaCorpus.JSON.readTree(doc);
            assertTrue(parsed.isTextual(), doc);
            assertEquals(java.util.List.of(), schema.validate(doc, InputFormat.JSON), pattern + " -> " + doc);
        }
    }

    @Test
    void shouldReportUnsupportedAndInvalidPatternsDifferently() {
        for (String unsupported : new String[] {"abc", "^a(?=b)$", "^\\d$", "^a$b$", "^a{x}$"}) {
            assertThrows(PatternTranslator.Unsupported.class,
                    () -> PatternTranslator.translate(unsupported, "p", false, (n, r) -> n), unsupported);
        }
        for (String invalid : new String[] {"^(a$", "^a)$", "^*a$", "^[ab$", "^a\\$"}) {
            assertThrows(RuntimeException.class,
                    () -> PatternTranslator.translate(invalid, "p", false, (n, r) -> n), invalid);
        }
        assertThrows(PatternTranslator.Invalid.class, () -> PatternTranslator.translate("^(a$", "p", false, (n, r) -> n));
    }
}
