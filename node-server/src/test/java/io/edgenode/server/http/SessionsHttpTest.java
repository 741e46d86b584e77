package io.edgenode.server.http;

import io.edgenode.server.testing.Eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.server.session.SessionSettings;
import io.edgenode.store.gguf.GgmlType;
import io.edgenode.store.synth.ModelPreset;
import io.edgenode.store.synth.SyntheticModelBuilder;
import java.io.RandomAccessFile;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Durable sessions through a real node: history, exact prompts, KV hibernation, limits, store failures. */
@Timeout(180)
class SessionsHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    private TestNode node(int parallel, int context, SessionSettings settings) throws Exception {
        return new TestNode(TestNode.tinyModel("demo", parallel, context, 16), "", settings);
    }

    private SessionSettings settings() {
        return SessionSettings.defaults(dataDir);
    }

    private static String createSession(TestNode n, String body) throws Exception {
        HttpResponse<String> r = n.post("/v1/sessions", body);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    private static ObjectNode message(String role, String content) {
        ObjectNode m = JSON.createObjectNode();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    private static String chatBody(String sessionId, List<ObjectNode> messages, int maxTokens) {
        ObjectNode b = JSON.createObjectNode();
        b.put("model", "demo");
        b.put("max_tokens", maxTokens);
        b.put("temperature", 0);
        if (sessionId != null) {
            b.put("session_id", sessionId);
        }
        ArrayNode a = b.putArray("messages");
        messages.forEach(a::add);
        return b.toString();
    }

    private static JsonNode chat(TestNode n, String sessionId, List<ObjectNode> messages, int maxTokens)
            throws Exception {
        HttpResponse<String> r = n.post("/v1/chat/completions", chatBody(sessionId, messages, maxTokens));
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static String content(JsonNode completion) {
        return completion.at("/choices/0/message/content").asText();
    }

    private static int promptTokens(JsonNode completion) {
        return completion.at("/usage/prompt_tokens").asInt();
    }

    private static int cachedTokens(JsonNode completion) {
        return completion.at("/usage/prompt_tokens_details/cached_tokens").asInt();
    }

    /**
     * A tiny F32 model whose template renders a past reply exactly as the generation prompt plus
     * the reply (no Vicuna-style joint), so that the session's exact ids equal the full history's.
     */
    private static String jointFreeModel() throws Exception {
        Path file = TestNode.DIR.resolve("models/tiny-f32-seed3-tagged.gguf");
        if (!Files.isRegularFile(file)) {
            Files.createDirectories(file.getParent());
            // Seed 3: its greedy replies here are plain text (most seeds emit stray non-UTF-8 bytes).
            SyntheticModelBuilder.of(ModelPreset.TINY).weightType(GgmlType.F32).seed(3).chatTemplate("""
                    {%- for m in messages -%}<|{{ m['role'] }}|>{{ m['content'] }}</s>{%- endfor -%}
                    {%- if add_generation_prompt -%}<|assistant|>{%- endif -%}""").write(file);
        }
        return "  - id: demo\n    path: " + file + "\n    parallel: 4\n    context: 2048\n    threads: 1\n"
                + "    max_batch_tokens: 128\n    default: true\n";
    }

    /**
     * Compares a session with the same conversation sent whole. The byte-vocabulary model has
     * random weights, so a reply often holds bytes that are not UTF-8: its text then carries
     * U+FFFD, which a client sends back as three other bytes, while the session keeps the ids the
     * model produced. Each user message is therefore picked (deterministically, greedy decoding)
     * among numbered variants so that the reply is valid UTF-8: then both prompts must be the same
     * tokens.
     */
    @Test
    void shouldPromptWithExactlyTheFullHistoryAndReuseItsKv() throws Exception {
        try (TestNode n = new TestNode(jointFreeModel(), "", settings())) {
            String id = createSession(n, "{\"model\":\"demo\",\"system_prompt\":\"You are terse.\"}");
            List<ObjectNode> full = new ArrayList<>(List.of(message("system", "You are terse.")));
            int previousTotal = 0;
            for (String base : List.of("Hello there", "Tell me more", "And then?")) {
                String user = validUtf8Reply(n, full, base);
                JsonNode turn = chat(n, id, List.of(message("user", user)), 5);
                full.add(message("user", user));
                assertTrue(cachedTokens(turn) >= previousTotal - 1,
                        "only the new tokens prefilled: " + cachedTokens(turn) + " cached of " + previousTotal);
                JsonNode stateless = chat(n, null, full, 5);
                assertEquals(promptTokens(stateless), promptTokens(turn), "same prompt as the full history");
                assertEquals(content(stateless), content(turn), "same greedy reply");
                assertEquals(full.size() / 2 - 1, turn.at("/usage/session/turn").asInt());
                previousTotal = promptTokens(turn) + turn.at("/usage/completion_tokens").asInt();
                full.add(message("assistant", content(turn)));
            }
            JsonNode s = JSON.readTree(n.get("/v1/sessions/" + id).body());
            assertEquals(3, s.get("turn_count").asInt());
            assertEquals(full.get(3).get("content").asText(), s.at("/turns/1/messages/0/content").asText());
            assertEquals(full.get(2).get("content").asText(), s.at("/turns/0/reply/content").asText());
        }
    }

    private static String validUtf8Reply(TestNode n, List<ObjectNode> history, String base) throws Exception {
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String user = base + " #" + i;
            List<ObjectNode> probe = new ArrayList<>(history);
            probe.add(message("user", user));
            String reply = content(chat(n, null, probe, 5));
            if (reply.indexOf('\uFFFD') < 0) {
                return user;
            }
            if (seen.size() < 8) {
                seen.add(reply);
            }
        }
        throw new AssertionError("no variant of '" + base + "' gave a UTF-8 reply: " + seen);
    }

    @Test
    void shouldKeepTheDecodedIdsAcrossAVicunaStyleJoint() throws Exception {
        // PLAIN_ROLES renders "ASSISTANT:" before a generation but "ASSISTANT: reply" in history.
        try (TestNode n = node(4, 2048, settings())) {
            String id = createSession(n, "{}");
            int previousTotal = 0;
            for (String user : List.of("one", "two", "three", "four")) {
                JsonNode turn = chat(n, id, List.of(message("user", user)), 12);
                assertTrue(cachedTokens(turn) >= previousTotal - 1,
                        "only the new tokens prefilled: " + cachedTokens(turn) + " cached of " + previousTotal);
                previousTotal = promptTokens(turn) + turn.at("/usage/completion_tokens").asInt();
            }
        }
    }

    @Test
    void shouldServeTheSessionsApi() throws Exception {
        try (TestNode n = node(2, 1024, settings())) {
            String id = createSession(n, "{\"id\":\"conv-1\",\"model\":\"demo\",\"metadata\":{\"user\":\"ada\"}}");
            assertEquals("conv-1", id);
            assertEquals(409, n.post("/v1/sessions", "{\"id\":\"conv-1\"}").statusCode());
            assertEquals(400, n.post("/v1/sessions", "{\"id\":\"bad id!\"}").statusCode());
            assertEquals(404, n.post("/v1/sessions", "{\"model\":\"nope\"}").statusCode());
            JsonNode got = JSON.readTree(n.get("/v1/sessions/conv-1").body());
            assertEquals("demo", got.get("model").asText());
            assertEquals("ada", got.at("/metadata/user").asText());
            assertEquals(0, got.get("turns").size());
            for (int i = 0; i < 4; i++) {
                createSession(n, "{}");
            }
            JsonNode page1 = JSON.readTree(n.get("/v1/sessions?limit=3").body());
            assertEquals(3, page1.get("data").size());
            assertTrue(page1.get("has_more").asBoolean());
            JsonNode page2 = JSON.readTree(n.get("/v1/sessions?limit=3&after=" + page1.get("last_id").asText()).body());
            assertEquals(2, page2.get("data").size());
            assertFalse(page2.get("has_more").asBoolean());
            assertEquals(400, n.get("/v1/sessions?limit=0").statusCode());

            chat(n, "conv-1", List.of(message("user", "hi")), 6);
            SessionsTestFiles.awaitSnapshot(n, dataDir);
            assertEquals(1, SessionsTestFiles.snapshots(dataDir).size(), "the turn's KV was hibernated");
            HttpResponse<String> deleted = n.delete("/v1/sessions/conv-1");
            assertEquals(200, deleted.statusCode(), deleted.body());
            assertTrue(JSON.readTree(deleted.body()).get("deleted").asBoolean());
            assertEquals(0, SessionsTestFiles.snapshots(dataDir).size(), "snapshot file gone");
            assertEquals(404, n.get("/v1/sessions/conv-1").statusCode());
            assertEquals(404, n.delete("/v1/sessions/conv-1").statusCode());
            HttpResponse<String> orphan = n.post("/v1/chat/completions",
                    chatBody("conv-1", List.of(message("user", "hi")), 4));
            assertEquals(404, orphan.statusCode());
            assertTrue(orphan.body().contains("session_not_found"), orphan.body());
        }
    }

    @Test
    void shouldRunConcurrentTurnsOfOneSessionOneAtATime() throws Exception {
        try (TestNode n = node(4, 2048, settings())) {
            String id = createSession(n, "{}");
            List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
            for (String user : List.of("first", "second")) {
                HttpRequest req = HttpRequest.newBuilder(n.uri("/v1/chat/completions")).timeout(Duration.ofSeconds(60))
                        .header("X-Session-Id", id)
                        .POST(HttpRequest.BodyPublishers.ofString(chatBody(null, List.of(message("user", user)), 30)))
                        .build();
                replies.add(n.client.sendAsync(req, HttpResponse.BodyHandlers.ofString()));
            }
            for (var r : replies) {
                assertEquals(200, r.get().statusCode(), r.get().body());
            }
            JsonNode s = JSON.readTree(n.get("/v1/sessions/" + id).body());
            JsonNode turns = s.get("turns");
            assertEquals(2, turns.size());
            JsonNode t0 = turns.get(0);
            JsonNode t1 = turns.get(1);
            // The later turn saw the earlier one's whole reply: it ran after it, not beside it.
            assertTrue(t1.at("/usage/prompt_tokens").asInt()
                    > t0.at("/usage/prompt_tokens").asInt() + t0.at("/usage/completion_tokens").asInt(), s.toString());
        }
    }

    @Test
    void shouldRestoreKvAfterARestartAndIgnoreACorruptSnapshot() throws Exception {
        String id;
        List<ObjectNode> full = new ArrayList<>();
        int history = 0;
        try (TestNode n = node(2, 2048, settings())) {
            id = createSession(n, "{}");
            for (String user : List.of("one", "two")) {
                JsonNode t = chat(n, id, List.of(message("user", user)), 10);
                full.add(message("user", user));
                full.add(message("assistant", content(t)));
                history = promptTokens(t) + t.at("/usage/completion_tokens").asInt();
            }
        } // shutdown flushes the snapshot writer
        full.add(message("user", "three"));
        try (TestNode n = node(2, 2048, settings())) {
            // a fresh process: nothing resident, the history's KV can only come from the snapshot
            JsonNode restored = chat(n, id, List.of(message("user", "three")), 10);
            assertEquals(1, n.engineMetrics("demo").kvRestores(), "restored from the snapshot");
            assertTrue(n.get("/metrics").body().contains("edgenode_kv_snapshot_restores_total{model=\"demo\"} 1.0"),
                    "exported in /metrics");
            // The snapshot holds the history but the last sampled token (never fed back).
            assertEquals(history - 1, cachedTokens(restored), "restored after restart");
            JsonNode reference = chat(n, null, full, 10);
            assertEquals(content(reference), content(restored));
        }
        // Corrupt every snapshot, restart: the turn prefills and answers the same.
        for (Path p : SessionsTestFiles.snapshots(dataDir)) {
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.seek(f.length() / 2);
                f.write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
            }
        }
        full.add(message("assistant", "")); // placeholder replaced below
        try (TestNode n = node(2, 2048, settings())) {
            JsonNode s = JSON.readTree(n.get("/v1/sessions/" + id).body());
            full.set(full.size() - 1, message("assistant", s.at("/turns/2/reply/content").asText()));
            full.add(message("user", "four"));
            JsonNode turn = chat(n, id, List.of(message("user", "four")), 10);
            assertEquals(0, n.engineMetrics("demo").kvRestores(), "the corrupt snapshot was not restored");
            assertEquals(0, cachedTokens(turn), "a plain prefill");
            JsonNode reference = chat(n, null, full, 10);
            assertEquals(content(reference), content(turn), "same output as a plain prefill");
        }
    }

    @Test
    void shouldDropTheOldestTurnsWhenTheHistoryOutgrowsTheContext() throws Exception {
        try (TestNode n = node(1, 256, settings())) {
            String id = createSession(n, "{\"system_prompt\":\"sys\"}");
            int dropped = 0;
            for (int i = 0; i < 12 && dropped == 0; i++) {
                HttpResponse<String> r = n.post("/v1/chat/completions", chatBody(id,
                        List.of(message("user", "message number " + i + " with some padding text")), 16));
                assertEquals(200, r.statusCode(), r.body());
                dropped = JSON.readTree(r.body()).at("/usage/session/dropped_turns").asInt();
                assertEquals(String.valueOf(dropped), r.headers().firstValue("X-Session-Dropped-Turns").orElseThrow());
            }
            assertTrue(dropped > 0, "old turns were dropped to fit 256 tokens");
            JsonNode s = JSON.readTree(n.get("/v1/sessions/" + id).body());
            assertTrue(s.get("turn_count").asInt() > dropped, "dropped from the prompt, kept in the store");
        }
    }

    @Test
    void shouldRefuseTurnsBeyondTheSessionLimit() throws Exception {
        try (TestNode n = node(2, 1024, settings().withLimits(2, 1_000_000))) {
            String id = createSession(n, "{}");
            chat(n, id, List.of(message("user", "a")), 4);
            chat(n, id, List.of(message("user", "b")), 4);
            HttpResponse<String> third = n.post("/v1/chat/completions", chatBody(id, List.of(message("user", "c")), 4));
            assertEquals(400, third.statusCode());
            assertTrue(third.body().contains("session_turn_limit"), third.body());
        }
    }

    @Test
    void shouldAnswer503WhenTheStoreCannotBeOpenedAndKeepServingStatelessRequests() throws Exception {
        Path blocker = Files.writeString(dataDir.resolve("not-a-dir"), "x");
        try (TestNode n = new TestNode(TestNode.tinyModel("demo", 2, 1024, 16), "",
                SessionSettings.defaults(blocker.resolve("data")))) {
            HttpResponse<String> r = n.post("/v1/sessions", "{}");
            assertEquals(503, r.statusCode(), r.body());
            assertTrue(r.body().contains("session store is unavailable"), r.body());
            assertEquals(503, n.post("/v1/chat/completions",
                    chatBody("s1", List.of(message("user", "hi")), 4)).statusCode());
            chat(n, null, List.of(message("user", "hi")), 4);
        }
    }

    @Test
    void shouldAnswer503AndLoseNothingWhenTheDatabaseIsLocked() throws Exception {
        try (TestNode n = node(2, 1024, settings())) {
            String id = createSession(n, "{}");
            String first = content(chat(n, id, List.of(message("user", "kept")), 6));
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("sessions.db"));
                    Statement st = c.createStatement()) {
                st.execute("PRAGMA busy_timeout = 0");
                st.execute("BEGIN EXCLUSIVE");
                HttpResponse<String> r = n.post("/v1/chat/completions",
                        chatBody(id, List.of(message("user", "lost?")), 6));
                assertEquals(503, r.statusCode(), r.body());
                assertTrue(r.body().contains("session_store_unavailable"), r.body());
                st.execute("ROLLBACK");
            }
            JsonNode s = JSON.readTree(n.get("/v1/sessions/" + id).body());
            assertEquals(1, s.get("turn_count").asInt(), "the failed turn stored nothing");
            assertEquals(first, s.at("/turns/0/reply/content").asText(), "the earlier turn is intact");
            chat(n, id, List.of(message("user", "again")), 6); // and the session goes on
        }
    }

    /** Snapshot files under the data directory. */
    static final class SessionsTestFiles {
        static List<Path> snapshots(Path dataDir) throws Exception {
            Path kv = dataDir.resolve("kv");
            if (!Files.isDirectory(kv)) {
                return List.of();
            }
            try (Stream<Path> s = Files.list(kv)) {
                return s.filter(p -> p.getFileName().toString().endsWith(".kv")).toList();
            }
        }

        /** Snapshots are written in the background after the turn is acknowledged. */
        static void awaitSnapshot(TestNode n, Path dataDir) throws Exception {
            Eventually.until(Duration.ofSeconds(20), "a KV snapshot written", () -> {
                try {
                    return !snapshots(dataDir).isEmpty();
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }
}
