package io.edgenode.core.grammar;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Writes every grammar the converter produces for the corpus and for bounds at their limit, one
 * file each, into the folder named by {@code EDGENODE_GRAMMAR_DUMP}, so that llama.cpp's own
 * parser can check them ({@code scripts/gbnf-native-check.sh}). Skipped when the variable is unset.
 */
class GrammarDumpTest {

    @Test
    void shouldDumpGrammarsForTheNativeParser() throws Exception {
        String dir = System.getenv("EDGENODE_GRAMMAR_DUMP");
        assumeTrue(dir != null && !dir.isBlank(), "EDGENODE_GRAMMAR_DUMP not set");
        Path out = Files.createDirectories(Path.of(dir));
        Map<String, String> grammars = new LinkedHashMap<>();
        for (LlamaCorpus.Case c : LlamaCorpus.successes()) {
            grammars.put("corpus-" + c.description(), JsonGrammars.fromSchema(c.schemaNode()));
        }
        int max = JsonSchemaConverter.MAX_REPETITIONS;
        grammars.put("max-items", JsonGrammars.fromSchema(schema("array").put("minItems", max).put("maxItems", max)));
        grammars.put("max-length", JsonGrammars.fromSchema(schema("string").put("minLength", max).put("maxLength", max)));
        grammars.put("pattern-repeat", JsonGrammars.fromSchema(schema("string").put("pattern", "^(ab|[^x]){" + max + "}.{0," + max + "}$")));
        grammars.put("pattern-json-escapes", JsonGrammars.fromSchema(schema("string").put("pattern", "^[ -~]\"\\\\[^a-c]\\n.+$")));
        grammars.put("integer-109", JsonGrammars.fromSchema(schema("integer").put("minimum", 109)));
        grammars.put("integer-negative-max", JsonGrammars.fromSchema(schema("integer").put("maximum", -20305)));
        grammars.put("additional-keys", JsonGrammars.fromSchema(LlamaCorpus.JSON.readTree(
                "{\"properties\": {\"a-b\": {}, \"a\\\"]\": {}, \"\\\\x\": {}}, \"additionalProperties\": {\"type\": \"number\"}}")));
        grammars.put("any-json-object", JsonGrammars.anyJsonObject());
        int i = 0;
        for (Map.Entry<String, String> e : grammars.entrySet()) {
            String name = String.format("%03d-%s.gbnf", i++, Gbnf.sanitizeRuleName(e.getKey()));
            Files.writeString(out.resolve(name), e.getValue());
        }
    }

    private static ObjectNode schema(String type) {
        return LlamaCorpus.JSON.createObjectNode().put("type", type);
    }
}
