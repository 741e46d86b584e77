package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.core.embed.BatchingEmbedder;
import io.edgenode.core.embed.BuiltinEmbeddingModel;
import io.edgenode.core.embed.OnnxEmbedder;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code POST /v1/embeddings} on a real node: the builtin int8 MiniLM, real ONNX Runtime, real HTTP. */
@Timeout(180)
class EmbeddingsHttpTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestNode node;
    /** The raw path in this process: what the endpoint must return, vector for vector. */
    static OnnxEmbedder raw;

    @BeforeAll
    static void start() throws Exception {
        node = new TestNode(TestNode.tinyModel("demo", 2, 256, 8)
                + "  - id: minilm\n"
                + "    kind: embedding\n"
                + "    builtin: all-minilm-l6-v2-q\n"
                + "    aliases: [text-embedding-3-small]\n"
                + "    max_batch: 16\n"
                // The same model with shared padded runs and a long linger: 16 concurrent requests
                // must land in one ONNX run.
                + "  - id: minilm-shared\n"
                + "    kind: embedding\n"
                + "    builtin: all-minilm-l6-v2-q\n"
                + "    input_batching: shared\n"
                + "    max_batch: 16\n"
                + "    batch_wait: 20s\n");
        raw = OnnxEmbedder.open(BuiltinEmbeddingModel.ALL_MINILM_L6_V2_Q, "raw", 16, 1);
    }

    @AfterAll
    static void stop() {
        node.close();
        raw.close();
    }

    static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        return JSON.readTree(r.body());
    }

    static JsonNode error(HttpResponse<String> r, int status, String param) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertEquals("invalid_request_error", e.get("type").asText(), r.body());
        if (param != null) {
            assertEquals(param, e.get("param").asText(), r.body());
        }
        assertTrue(!e.get("message").asText().isBlank());
        return e;
    }

    static float[] floats(JsonNode embedding) {
        float[] v = new float[embedding.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) embedding.get(i).asDouble();
        }
        return v;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    HttpResponse<String> embed(String body) throws Exception {
        return node.post("/v1/embeddings", body);
    }

    @Test
    void shouldEmbedOneStringInOpenAisShape() throws Exception {
        JsonNode r = ok(embed("{\"model\":\"minilm\",\"input\":\"Hello, world!\"}"));
        assertEquals("list", r.get("object").asText());
        assertEquals("minilm", r.get("model").asText());
        assertEquals(1, r.get("data").size());
        JsonNode d = r.get("data").get(0);
        assertEquals("embedding", d.get("object").asText());
        assertEquals(0, d.get("index").asInt());
        assertEquals(384, d.get("embedding").size());
        assertEquals(6, r.get("usage").get("prompt_tokens").asInt()); // [CLS] hello , world ! [SEP]
        assertEquals(6, r.get("usage").get("total_tokens").asInt());
        assertArrayEquals(raw.embed(List.of("Hello, world!")).vector(0), floats(d.get("embedding")), 1e-7f);
    }

    @Test
    void shouldEmbedAnArrayInOrderUnderAnAlias() throws Exception {
        List<String> texts = List.of("The cat sat on the mat.", "Stock markets fell sharply.", "I like aisle seats.");
        JsonNode r = ok(embed("{\"model\":\"text-embedding-3-small\",\"input\":" + JSON.writeValueAsString(texts)
                + ",\"encoding_format\":\"float\",\"user\":\"u1\"}"));
        assertEquals("minilm", r.get("model").asText());
        var expected = raw.embed(texts);
        for (int i = 0; i < texts.size(); i++) {
            assertEquals(i, r.get("data").get(i).get("index").asInt());
            assertArrayEquals(expected.vector(i), floats(r.get("data").get(i).get("embedding")), 1e-7f);
        }
        assertEquals(expected.totalTokens(), r.get("usage").get("prompt_tokens").asLong());
    }

    @Test
    void shouldAnswerBase64ThatDecodesToTheFloatOutput() throws Exception {
        String input = "\"base64 is what the official clients ask for\"";
        JsonNode asFloats = ok(embed("{\"model\":\"minilm\",\"input\":" + input + "}"));
        JsonNode asBase64 = ok(embed("{\"model\":\"minilm\",\"input\":" + input + ",\"encoding_format\":\"base64\"}"));
        String b64 = asBase64.get("data").get(0).get("embedding").asText();
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(b64)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(384 * 4, bytes.remaining());
        float[] decoded = new float[384];
        bytes.asFloatBuffer().get(decoded);
        assertArrayEquals(floats(asFloats.get("data").get(0).get("embedding")), decoded, 0f);
        assertEquals(asFloats.get("usage"), asBase64.get("usage"));
    }

    @Test
    void shouldEmbedTokenArraysAsTheirText() throws Exception {
        float[] fromText = floats(ok(embed("{\"model\":\"minilm\",\"input\":\"Hello, world!\"}"))
                .get("data").get(0).get("embedding"));
        JsonNode one = ok(embed("{\"model\":\"minilm\",\"input\":[101,7592,1010,2088,999,102]}"));
        assertEquals(1, one.get("data").size());
        assertEquals(6, one.get("usage").get("prompt_tokens").asInt());
        assertArrayEquals(fromText, floats(one.get("data").get(0).get("embedding")), 1e-7f);
        JsonNode two = ok(embed("{\"model\":\"minilm\",\"input\":[[101,7592,1010,2088,999,102],[101,102]]}"));
        assertEquals(2, two.get("data").size());
        assertEquals(8, two.get("usage").get("prompt_tokens").asInt());
        assertArrayEquals(fromText, floats(two.get("data").get(0).get("embedding")), 1e-7f);
    }

    @Test
    void shouldAcceptTheModelsOwnDimensionsOnly() throws Exception {
        ok(embed("{\"model\":\"minilm\",\"input\":\"x\",\"dimensions\":384}"));
        error(embed("{\"model\":\"minilm\",\"input\":\"x\",\"dimensions\":256}"), 400, "dimensions");
        error(embed("{\"model\":\"minilm\",\"input\":\"x\",\"dimensions\":0}"), 400, "dimensions");
        error(embed("{\"model\":\"minilm\",\"input\":\"x\",\"dimensions\":\"384\"}"), 400, "dimensions");
    }

    @Test
    void shouldRefuseEmptyInput() throws Exception {
        assertEquals("empty_string", error(embed("{\"model\":\"minilm\",\"input\":\"\"}"), 400, "input")
                .get("code").asText());
        assertEquals("empty_array", error(embed("{\"model\":\"minilm\",\"input\":[]}"), 400, "input")
                .get("code").asText());
        error(embed("{\"model\":\"minilm\",\"input\":[\"a\",\"\"]}"), 400, "input[1]");
        error(embed("{\"model\":\"minilm\",\"input\":[[101],[]]}"), 400, "input[1]");
        assertEquals("missing_required_parameter", error(embed("{\"model\":\"minilm\"}"), 400, "input")
                .get("code").asText());
        error(embed("{\"model\":\"minilm\",\"input\":null}"), 400, "input");
    }

    @Test
    void shouldRefuseTooManyInputs() throws Exception {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 2049; i++) {
            many.add("x");
        }
        JsonNode e = error(embed("{\"model\":\"minilm\",\"input\":" + JSON.writeValueAsString(many) + "}"), 400,
                "input");
        assertEquals("array_above_max_length", e.get("code").asText());
    }

    @Test
    void shouldRefuseAnInputOverTheMaxTokensNamingItsIndex() throws Exception {
        String longText = "word ".repeat(600);
        JsonNode e = error(embed("{\"model\":\"minilm\",\"input\":[\"fine\",\"" + longText + "\"]}"), 400,
                "input[1]");
        assertEquals("context_length_exceeded", e.get("code").asText());
        assertTrue(e.get("message").asText().contains("512"), e.get("message").asText());
        error(embed("{\"model\":\"minilm\",\"input\":\"" + longText + "\"}"), 400, "input");
        StringBuilder ids = new StringBuilder("[101");
        for (int i = 0; i < 600; i++) {
            ids.append(",2773");
        }
        error(embed("{\"model\":\"minilm\",\"input\":[[101,102]," + ids + "]]}"), 400, "input[1]");
    }

    @Test
    void shouldRefuseWrongTypes() throws Exception {
        assertEquals("invalid_type", error(embed("{\"model\":\"minilm\",\"input\":5}"), 400, "input")
                .get("code").asText());
        error(embed("{\"model\":\"minilm\",\"input\":{\"text\":\"a\"}}"), 400, "input");
        error(embed("{\"model\":\"minilm\",\"input\":[\"a\",1]}"), 400, "input[1]");
        error(embed("{\"model\":\"minilm\",\"input\":[1,\"a\"]}"), 400, "input[1]");
        error(embed("{\"model\":\"minilm\",\"input\":[1.5]}"), 400, "input[0]");
        error(embed("{\"model\":\"minilm\",\"input\":[[101],\"a\"]}"), 400, "input[1]");
        error(embed("{\"model\":\"minilm\",\"input\":[[101,\"x\"]]}"), 400, "input[0][1]");
        error(embed("{\"model\":\"minilm\",\"input\":[true]}"), 400, "input[0]");
        error(embed("{\"model\":\"minilm\",\"input\":[99999999999]}"), 400, "input[0]");
        error(embed("{\"model\":\"minilm\",\"input\":[101,30522]}"), 400, "input[0]");
        error(embed("{\"model\":\"minilm\",\"input\":[[101],[-1]]}"), 400, "input[1]");
        error(embed("{\"model\":\"minilm\",\"input\":\"a\",\"encoding_format\":\"int8\"}"), 400, "encoding_format");
        error(embed("{\"model\":5,\"input\":\"a\"}"), 400, "model");
        error(embed("{\"input\":\"a\"}"), 400, "model");
        error(embed("[\"a\"]"), 400, null);
        error(embed("{\"model\":\"minilm\",\"input\":\"a\""), 400, null);
        error(node.postBytes("/v1/embeddings", new byte[] {'{', (byte) 0xC3, '}'}), 400, null);
    }

    @Test
    void shouldAnswer404ForAnUnknownModelAnd400ForAGenerationModel() throws Exception {
        assertEquals(404, embed("{\"model\":\"nope\",\"input\":\"a\"}").statusCode());
        error(embed("{\"model\":\"demo\",\"input\":\"a\"}"), 400, "model");
        error(node.post("/v1/chat/completions", "{\"model\":\"minilm\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}],\"max_tokens\":2}"), 400, "model");
        error(node.post("/v1/completions", "{\"model\":\"text-embedding-3-small\",\"prompt\":\"hi\",\"max_tokens\":2}"),
                400, "model");
        assertEquals(405, node.get("/v1/embeddings").statusCode());
    }

    @Test
    void shouldListEmbeddingModelsInV1Models() throws Exception {
        JsonNode models = ok(node.get("/v1/models")).get("data");
        List<String> ids = new ArrayList<>();
        for (JsonNode m : models) {
            ids.add(m.get("id").asText());
            if (m.get("id").asText().startsWith("minilm")) {
                assertEquals("loaded", m.get("status").asText(), m.toString());
            }
        }
        assertTrue(ids.containsAll(List.of("demo", "minilm", "minilm-shared")), ids.toString());
        JsonNode one = ok(node.get("/v1/models/text-embedding-3-small"));
        assertEquals("minilm", one.get("id").asText());
        assertEquals("loaded", one.get("status").asText());
    }

    @Test
    void shouldCoalesceConcurrentRequestsIntoOneRunAndAnswerEachWithItsOwnVector() throws Exception {
        BatchingEmbedder shared = node.host.embedder(node.host.embeddingSpec("minilm-shared").orElseThrow(),
                Duration.ofSeconds(30));
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            texts.add("request " + i + " is about " + List.of("seats", "tea", "rain", "chess").get(i % 4)
                    + " and the number " + (i * 37));
        }
        List<float[]> alone = new ArrayList<>();
        for (String t : texts) {
            alone.add(raw.embed(List.of(t)).vector(0));
        }
        long runs = shared.runs();
        long batches = shared.batches();
        List<float[]> got = concurrently("minilm-shared", texts);
        assertEquals(1, shared.runs() - runs, "16 concurrent requests, max batch 16: one ONNX run");
        assertEquals(1, shared.batches() - batches);
        for (int i = 0; i < texts.size(); i++) {
            // Shared int8 runs move vectors a little (InputBatching), so "its own" is: nearest to its
            // own text's vector of all 16, and close to it.
            double own = cosine(alone.get(i), got.get(i));
            assertTrue(own > 0.98, "request " + i + ": " + own);
            for (int j = 0; j < texts.size(); j++) {
                if (j != i) {
                    assertTrue(cosine(alone.get(j), got.get(i)) < own, "request " + i + " vs " + j);
                }
            }
        }
    }

    @Test
    void shouldAnswerConcurrentRequestsExactlyOnTheDefaultPerInputModel() throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            texts.add("concurrent text " + i + (i % 2 == 0 ? " that is a little longer than the others" : ""));
        }
        List<float[]> got = concurrently("minilm", texts);
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(raw.embed(List.of(texts.get(i))).vector(0), got.get(i), 1e-7f, "request " + i);
        }
    }

    private List<float[]> concurrently(String model, List<String> texts) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (String t : texts) {
                futures.add(pool.submit(() -> embed("{\"model\":\"" + model + "\",\"input\":"
                        + JSON.writeValueAsString(t) + "}")));
            }
            List<float[]> out = new ArrayList<>();
            for (Future<HttpResponse<String>> f : futures) {
                out.add(floats(ok(f.get()).get("data").get(0).get("embedding")));
            }
            return out;
        }
    }
}
