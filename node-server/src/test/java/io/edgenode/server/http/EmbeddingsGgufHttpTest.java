package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgenode.core.llama.QuantType;
import io.edgenode.core.llama.SyntheticModels;
import io.edgenode.store.synth.ModelPreset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code POST /v1/embeddings} served by a {@code kind: embedding} entry whose path is a GGUF file:
 * the synthetic tiny model (random weights, so properties only) through llama.cpp, real HTTP.
 */
@Timeout(180)
class EmbeddingsGgufHttpTest {
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        // Written before the node starts: an embedding entry has no synthetic: key of its own.
        SyntheticModels.cached(TestNode.DIR.resolve("models"), ModelPreset.TINY, QuantType.F16);
        node = new TestNode(TestNode.tinyModel("demo", 1, 256, 8)
                + "  - id: tiny-embed\n"
                + "    kind: embedding\n"
                + "    path: models/tiny-f16.gguf\n"
                + "    aliases: [gguf-embed]\n"
                + "    pooling: mean\n"
                + "    max_input_tokens: 64\n"
                + "    max_batch: 8\n"
                + "    threads: 1\n");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void shouldServeUnitVectorsOfTheModelsWidthInInputOrder() throws Exception {
        List<String> texts = List.of("first text", "second, longer text", "third");
        JsonNode r = EmbeddingsHttpTest.ok(node.post("/v1/embeddings", "{\"model\":\"gguf-embed\",\"input\":"
                + EmbeddingsHttpTest.JSON.writeValueAsString(texts) + "}"));
        assertEquals("tiny-embed", r.get("model").asText());
        assertEquals(3, r.get("data").size());
        float[][] v = new float[3][];
        for (int i = 0; i < 3; i++) {
            JsonNode d = r.get("data").get(i);
            assertEquals(i, d.get("index").asInt());
            v[i] = EmbeddingsHttpTest.floats(d.get("embedding"));
            assertEquals(256, v[i].length); // ModelPreset.TINY's n_embd
            assertEquals(1.0, Math.sqrt(dot(v[i], v[i])), 1e-4, "input " + i + " is not unit length");
        }
        assertTrue(EmbeddingsHttpTest.cosine(v[0], v[1]) < 0.9999);
        assertTrue(r.get("usage").get("prompt_tokens").asInt() >= "first text".length());

        JsonNode alone = EmbeddingsHttpTest.ok(node.post("/v1/embeddings",
                "{\"model\":\"tiny-embed\",\"input\":\"second, longer text\"}"));
        assertTrue(EmbeddingsHttpTest.cosine(v[1], EmbeddingsHttpTest.floats(alone.get("data").get(0).get("embedding")))
                >= 0.9999);
    }

    @Test
    void shouldRefuseAnOverLongInputNamingIt() throws Exception {
        String body = "{\"model\":\"tiny-embed\",\"input\":[\"short\"," + EmbeddingsHttpTest.JSON.writeValueAsString(
                "word ".repeat(40)) + "]}";
        JsonNode e = EmbeddingsHttpTest.error(node.post("/v1/embeddings", body), 400, "input[1]");
        assertTrue(e.get("message").asText().contains("more than the 64"), e.toString());
    }

    private static double dot(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += (double) a[i] * b[i];
        }
        return d;
    }
}
