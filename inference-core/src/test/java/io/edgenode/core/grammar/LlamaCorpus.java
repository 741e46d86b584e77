package io.edgenode.core.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The cases of llama.cpp's {@code tests/test-json-schema-to-grammar.cpp}, from the fixture that
 * {@code scripts/extract-schema-grammar-fixtures.py} writes.
 */
final class LlamaCorpus {
    static final ObjectMapper JSON = new ObjectMapper();

    record Case(String description, boolean success, String schema, String expectedGrammar) {
        JsonNode schemaNode() {
            try {
                return JSON.readTree(schema);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public String toString() {
            return description;
        }
    }

    private LlamaCorpus() {
    }

    static List<Case> cases() {
        try (InputStream in = LlamaCorpus.class.getResourceAsStream("llama-json-schema-to-grammar-cases.json")) {
            JsonNode root = JSON.readTree(in);
            List<Case> cases = new ArrayList<>();
            for (JsonNode c : root.get("cases")) {
                cases.add(new Case(c.get("description").asText(), c.get("status").asText().equals("SUCCESS"),
                        c.get("schema").asText(), c.get("expectedGrammar").asText()));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Case> successes() {
        return cases().stream().filter(Case::success).toList();
    }

    /** llama.cpp's test normalisation: ends trimmed, each line's indent dropped. */
    static String trim(String grammar) {
        return grammar.strip().replaceAll("(^|\n)[ \t]+", "$1");
    }
}
