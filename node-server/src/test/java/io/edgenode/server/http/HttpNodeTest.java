package io.edgenode.server.http;

import io.edgenode.server.testing.Eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The node end to end: a real server on an ephemeral port, a real HTTP client, real llama.cpp. */
@Timeout(120)
class HttpNodeTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = new TestNode(TestNode.tinyModel("tiny", 4, 2048, 32));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static String chat(boolean stream, int maxTokens, String extra) {
        return "{\"model\":\"tiny\",\"stream\":" + stream + ",\"max_tokens\":" + maxTokens
                + ",\"temperature\":0,\"ignore_eos\":true" + extra
                + ",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hello there\"}]}";
    }

    /** The JSON payloads of an SSE body, "[DONE]" included. */
    static List<String> events(String body) {
        return body.lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).collect(Collectors.toList());
    }

    @Test
    void shouldAnswerAChatCompletion() throws Exception {
        HttpResponse<String> r = node.post("/v1/chat/completions", chat(false, 12, ""));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode b = JSON.readTree(r.body());
        assertTrue(b.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("chat.completion", b.get("object").asText());
        assertEquals("tiny", b.get("model").asText());
        assertEquals("assistant", b.at("/choices/0/message/role").asText());
        assertEquals("length", b.at("/choices/0/finish_reason").asText());
        assertEquals(12, b.at("/usage/completion_tokens").asInt());
        assertTrue(b.at("/usage/prompt_tokens").asInt() > 5);
        assertEquals(b.at("/usage/prompt_tokens").asInt() + 12, b.at("/usage/total_tokens").asInt());
        assertTrue(b.at("/usage/prompt_tokens_details/cached_tokens").isInt());
    }

    @Test
    void shouldStreamChunksExactlyLikeOpenAi() throws Exception {
        HttpResponse<String> r = node.post("/v1/chat/completions",
                chat(true, 10, ",\"stream_options\":{\"include_usage\":true}"));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<String> ev = events(r.body());
        assertEquals("[DONE]", ev.get(ev.size() - 1));
        List<JsonNode> chunks = new ArrayList<>();
        for (String e : ev.subList(0, ev.size() - 1)) {
            chunks.add(JSON.readTree(e));
        }
        String id = chunks.get(0).get("id").asText();
        JsonNode first = chunks.get(0);
        assertEquals("assistant", first.at("/choices/0/delta/role").asText());
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertEquals(0, usage.get("choices").size(), "usage chunk has empty choices");
        assertEquals(10, usage.at("/usage/completion_tokens").asInt());
        JsonNode fin = chunks.get(chunks.size() - 2);
        assertEquals("length", fin.at("/choices/0/finish_reason").asText());
        StringBuilder content = new StringBuilder();
        for (JsonNode c : chunks) {
            assertEquals(id, c.get("id").asText());
            assertEquals("chat.completion.chunk", c.get("object").asText());
            assertTrue(c.get("created").isNumber());
            assertEquals("tiny", c.get("model").asText());
            assertTrue(c.has("system_fingerprint"));
            if (c.get("choices").size() > 0) {
                assertEquals(0, c.at("/choices/0/index").asInt());
                content.append(c.at("/choices/0/delta/content").asText(""));
            }
        }
        for (JsonNode c : chunks.subList(1, chunks.size() - 2)) {
            assertTrue(c.at("/choices/0/finish_reason").isNull(), "only the final chunk has a finish_reason");
        }
        // the same text as the non-streaming answer (greedy)
        JsonNode whole = JSON.readTree(node.post("/v1/chat/completions", chat(false, 10, "")).body());
        assertEquals(whole.at("/choices/0/message/content").asText(), content.toString());
    }

    @Test
    void shouldCompleteSixteenConcurrentStreams() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            futures.add(node.client.sendAsync(HttpRequest.newBuilder(node.uri("/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(90))
                    .POST(HttpRequest.BodyPublishers.ofString(chat(true, 16, ",\"user\":\"u" + (i % 3) + "\"")))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (var f : futures) {
            HttpResponse<String> r = f.get();
            assertEquals(200, r.statusCode(), r.body());
            List<String> ev = events(r.body());
            assertEquals("[DONE]", ev.get(ev.size() - 1));
        }
    }

    @Test
    void shouldAnswerEveryBadInputWithOpenAiErrorsAndStayUp() throws Exception {
        record Case(String name, byte[] body, int status, String type, String param) {}
        byte[] invalidUtf8 = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"\u00ff\"}]}"
                .getBytes(StandardCharsets.ISO_8859_1);
        String deep = "[".repeat(2000) + "]".repeat(2000);
        List<Case> cases = List.of(
                new Case("malformed", "{\"model\": ".getBytes(), 400, "invalid_request_error", null),
                new Case("not an object", "[1,2]".getBytes(), 400, "invalid_request_error", null),
                new Case("wrong type", "{\"model\":\"tiny\",\"messages\":\"hi\"}".getBytes(), 400, "invalid_request_error", "messages"),
                new Case("missing messages", "{\"model\":\"tiny\"}".getBytes(), 400, "invalid_request_error", "messages"),
                new Case("n=2", chat(false, 4, ",\"n\":2").getBytes(), 400, "invalid_request_error", "n"),
                new Case("temperature", chat(false, 4, ",\"temperature\":\"hot\"").getBytes(), 400, "invalid_request_error", "temperature"),
                new Case("invalid utf-8", invalidUtf8, 400, "invalid_request_error", null),
                new Case("deep nesting", ("{\"model\":\"tiny\",\"messages\":" + deep + "}").getBytes(), 400, "invalid_request_error", null),
                new Case("unknown model", chat(false, 4, "").replace("\"tiny\"", "\"nope\"").getBytes(), 404, "invalid_request_error", null),
                new Case("context exceeded", chat(false, 100000, "").getBytes(), 400, "invalid_request_error", null));
        for (Case c : cases) {
            HttpResponse<String> r = node.postBytes("/v1/chat/completions", c.body);
            assertEquals(c.status, r.statusCode(), c.name + ": " + r.body());
            JsonNode e = JSON.readTree(r.body()).get("error");
            assertTrue(e != null && e.has("message") && e.has("type") && e.has("param") && e.has("code"),
                    c.name + ": " + r.body());
            assertEquals(c.type, e.get("type").asText(), c.name);
            if (c.param != null) {
                assertEquals(c.param, e.get("param").asText(), c.name);
            }
            if (c.name.equals("context exceeded")) {
                assertEquals("context_length_exceeded", e.get("code").asText());
            }
            // and the node still serves
            assertEquals(200, node.post("/v1/chat/completions", chat(false, 2, "")).statusCode(), "after " + c.name);
        }
        HttpResponse<String> huge = node.postBytes("/v1/chat/completions", new byte[5 * 1024 * 1024]);
        assertEquals(413, huge.statusCode());
        assertEquals(404, node.get("/v1/nothing").statusCode());
        assertEquals(200, node.post("/v1/chat/completions", chat(false, 2, "")).statusCode());
    }

    @Test
    void shouldServeTextCompletionsModelsHealthAndMetrics() throws Exception {
        HttpResponse<String> r = node.post("/v1/completions",
                "{\"model\":\"tiny\",\"prompt\":\"Once upon\",\"max_tokens\":5,\"temperature\":0,\"ignore_eos\":true}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode b = JSON.readTree(r.body());
        assertEquals("text_completion", b.get("object").asText());
        assertEquals(5, b.at("/usage/completion_tokens").asInt());

        JsonNode models = JSON.readTree(node.get("/v1/models").body());
        assertEquals("list", models.get("object").asText());
        assertEquals("tiny", models.at("/data/0/id").asText());
        assertEquals(200, node.get("/v1/models/tiny").statusCode());
        assertEquals(404, node.get("/v1/models/none").statusCode());
        assertEquals(200, node.get("/health").statusCode());
        assertEquals(200, node.get("/ready").statusCode());
        String metrics = node.get("/metrics").body();
        for (String family : List.of("edgenode_http_requests_total", "edgenode_time_to_first_token_seconds",
                "edgenode_kv_cells_used", "edgenode_queue_depth", "edgenode_prompt_tokens_total")) {
            assertTrue(metrics.contains(family), family + " in\n" + metrics);
        }
    }

    @Test
    void shouldFreeKvWhenTheClientDisconnectsMidStream() throws Exception {
        try (TestNode fresh = new TestNode(TestNode.tinyModel("solo", 2, 1024, 8))) {
            assertEquals(0, fresh.engineMetrics("solo").kvCellsUsed());
            String body = chat(true, 400, "").replace("\"tiny\"", "\"solo\"");
            try (Socket s = new Socket("127.0.0.1", fresh.node.port())) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[2048];
                int total = 0;
                while (total < 600) { // headers and a few chunks: the stream is running
                    int n = in.read(buf);
                    assertTrue(n > 0);
                    total += n;
                }
                assertTrue(fresh.engineMetrics("solo").activeSequences() == 1);
            }
            Eventually.until(Duration.ofSeconds(10), "the stream cancelled",
                    () -> fresh.engineMetrics("solo").activeSequences() == 0);
            assertEquals(0, fresh.engineMetrics("solo").kvCellsUsed(), "KV freed after the disconnect");
            assertEquals(200, fresh.post("/v1/chat/completions", chat(false, 2, "").replace("\"tiny\"", "\"solo\""))
                    .statusCode());
        }
    }

    @Test
    void shouldCancelABufferedGenerationWhenItsClientGoesAway() throws Exception {
        try (TestNode fresh = new TestNode(TestNode.tinyModel("quiet", 2, 2048, 8))) {
            String body = chat(false, 900, "").replace("\"tiny\"", "\"quiet\"");
            try (Socket s = new Socket("127.0.0.1", fresh.node.port())) {
                s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
                Eventually.until(Duration.ofSeconds(10), "the generation runs",
                        () -> fresh.engineMetrics("quiet").activeSequences() == 1);
            } // the client leaves before any byte of the answer
            Eventually.until(Duration.ofSeconds(10), "cancelled, not run to 900 tokens",
                    () -> fresh.engineMetrics("quiet").activeSequences() == 0);
            assertTrue(fresh.engineMetrics("quiet").generatedTokens() < 900, String.valueOf(fresh.engineMetrics("quiet")));
            assertEquals(0, fresh.engineMetrics("quiet").kvCellsUsed());
        }
    }

    @Test
    void shouldAnswerPipelinedRequestsInOrder() throws Exception {
        String a = chat(false, 3, "");
        String req = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: "
                + a.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + a;
        String health = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        try (Socket s = new Socket("127.0.0.1", node.node.port())) {
            s.getOutputStream().write((req + health).getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int chat = all.indexOf("chat.completion");
            int ok = all.indexOf("{\"status\":\"ok\"}");
            assertTrue(chat > 0 && ok > chat, "the chat answer first, then /health:\n" + all);
        }
    }

    @Test
    void shouldAnswerOverloadWith429AndRetryAfter() throws Exception {
        try (TestNode small = new TestNode(TestNode.tinyModel("one", 1, 512, 1))) {
            String body = chat(true, 300, "").replace("\"tiny\"", "\"one\"");
            List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                fs.add(small.client.sendAsync(HttpRequest.newBuilder(small.uri("/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            int overloaded = 0;
            for (var f : fs) {
                HttpResponse<String> r = f.get();
                if (r.statusCode() == 429) {
                    overloaded++;
                    assertTrue(r.headers().firstValue("retry-after").isPresent());
                    assertTrue(JSON.readTree(r.body()).has("error"));
                } else {
                    assertEquals(200, r.statusCode(), r.body());
                }
            }
            assertTrue(overloaded > 0, "one running, one queued, the rest refused");
        }
    }

    @Test
    void shouldAnswerCorsPreflightOnlyForAllowedOrigins() throws Exception {
        try (TestNode cors = new TestNode(TestNode.tinyModel("c", 1, 512, 4),
                "  cors_allowed_origins: [\"https://app.example\"]\n")) {
            HttpResponse<String> ok = cors.client.send(HttpRequest.newBuilder(cors.uri("/v1/chat/completions"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://app.example").header("Access-Control-Request-Method", "POST").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, ok.statusCode());
            assertEquals("https://app.example", ok.headers().firstValue("access-control-allow-origin").orElse(""));
            HttpResponse<String> no = cors.client.send(HttpRequest.newBuilder(cors.uri("/v1/chat/completions"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://evil.example").header("Access-Control-Request-Method", "POST").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, no.statusCode());
            HttpResponse<String> get = cors.client.send(HttpRequest.newBuilder(cors.uri("/health"))
                    .header("Origin", "https://evil.example").build(), HttpResponse.BodyHandlers.ofString());
            assertFalse(get.headers().firstValue("access-control-allow-origin").isPresent());
        }
    }

    @Test
    void shouldLetAnInFlightStreamFinishOnGracefulShutdown() throws Exception {
        TestNode n = new TestNode(TestNode.tinyModel("g", 1, 1024, 4));
        CompletableFuture<HttpResponse<String>> f = n.client.sendAsync(HttpRequest.newBuilder(n.uri("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(chat(true, 200, "").replace("\"tiny\"", "\"g\""))).build(),
                HttpResponse.BodyHandlers.ofString());
        Eventually.until(Duration.ofSeconds(10), "the stream runs", () -> n.engineMetrics("g").activeSequences() > 0);
        assertTrue(n.node.shutdown(Duration.ofSeconds(60)), "drained");
        HttpResponse<String> r = f.get();
        assertEquals(200, r.statusCode());
        List<String> ev = events(r.body());
        assertEquals("[DONE]", ev.get(ev.size() - 1));
        assertEquals("length", JSON.readTree(ev.get(ev.size() - 2)).at("/choices/0/finish_reason").asText());
    }
}
