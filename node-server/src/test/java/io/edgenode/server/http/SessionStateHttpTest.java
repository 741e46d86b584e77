package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.server.session.SessionSettings;
import io.edgenode.server.session.SessionState;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Session state documents through a real node: GET/PUT/PATCH, versions and ETags, and the state in the prompt. */
@Timeout(180)
class SessionStateHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    private TestNode node() throws Exception {
        return new TestNode(TestNode.tinyModel("demo", 4, 2048, 16), "", SessionSettings.defaults(dataDir));
    }

    /** {@code method} with a JSON body and extra headers (name, value, ...). */
    private static HttpResponse<String> send(TestNode n, String method, String path, String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(n.uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return n.client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static JsonNode error(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("error");
    }

    private static String etag(HttpResponse<String> r) {
        return r.headers().firstValue("ETag").orElse(null);
    }

    @Test
    void shouldReadReplaceAndMergePatchTheStateWithVersions() throws Exception {
        try (TestNode n = node()) {
            assertEquals(200, n.post("/v1/sessions", "{\"id\":\"st-1\"}").statusCode());
            String path = "/v1/sessions/st-1/state";

            HttpResponse<String> fresh = n.get(path);
            JsonNode v0 = ok(fresh);
            assertEquals("session.state", v0.get("object").asText());
            assertEquals("st-1", v0.get("session_id").asText());
            assertEquals(0, v0.get("version").asLong());
            assertEquals(JSON.readTree("{}"), v0.get("state"));
            assertEquals(0, v0.get("updated_at").asLong());
            assertEquals("\"0\"", etag(fresh));

            HttpResponse<String> put = send(n, "PUT", path, "{\"user\":{\"name\":\"Ada\"},\"x\":1}", "If-Match", "\"0\"");
            JsonNode v1 = ok(put);
            assertEquals(1, v1.get("version").asLong());
            assertEquals("\"1\"", etag(put));
            assertTrue(v1.get("updated_at").asLong() > 1_600_000_000L, "epoch seconds");

            HttpResponse<String> patch = send(n, "PATCH", path, "{\"user\":{\"lang\":\"en\"},\"x\":null}",
                    "If-Match", "1");
            JsonNode v2 = ok(patch);
            assertEquals(2, v2.get("version").asLong());
            assertEquals(JSON.readTree("{\"user\":{\"name\":\"Ada\",\"lang\":\"en\"}}"), v2.get("state"));
            assertEquals("\"2\"", etag(patch));

            HttpResponse<String> stale = send(n, "PATCH", path + "?version=1", "{\"x\":2}");
            JsonNode conflict = error(stale, 409);
            assertEquals("state_version_conflict", conflict.get("code").asText());
            assertEquals("invalid_request_error", conflict.get("type").asText());
            assertTrue(conflict.get("message").asText().contains("version 2"), conflict.toString());
            assertEquals("\"2\"", etag(stale), "the current version, to retry with");
            assertEquals(409, send(n, "PUT", path, "{}", "If-Match", "\"7\"").statusCode());

            JsonNode v3 = ok(send(n, "PUT", path, "{\"fresh\":true}")); // no version: unconditional
            assertEquals(3, v3.get("version").asLong());
            assertEquals(v3, ok(n.get(path)));
        }
    }

    @Test
    void shouldAnswerBadWritesAndUnknownSessionsInOpenAiShape() throws Exception {
        try (TestNode n = node()) {
            assertEquals(200, n.post("/v1/sessions", "{\"id\":\"st-2\"}").statusCode());
            String path = "/v1/sessions/st-2/state";

            JsonNode notObject = error(send(n, "PUT", path, "[1,2]"), 400);
            assertEquals("state", notObject.get("param").asText());
            assertEquals("invalid_type", notObject.get("code").asText());
            assertEquals(400, send(n, "PATCH", path, "{\"a\":").statusCode(), "malformed JSON");
            assertEquals(400, send(n, "PATCH", path, "\"x\"").statusCode(), "a patch must be an object");
            assertEquals("If-Match", error(send(n, "PUT", path, "{}", "If-Match", "\"v1\""), 400).get("param")
                    .asText());
            String big = "{\"t\":\"" + "x".repeat(SessionState.MAX_JSON_BYTES) + "\"}";
            JsonNode tooLarge = error(send(n, "PUT", path, big), 400);
            assertEquals("state_too_large", tooLarge.get("code").asText());
            assertEquals(0, ok(n.get(path)).get("version").asLong(), "nothing was written");
            assertEquals(405, send(n, "POST", path, "{}").statusCode());

            JsonNode missing = error(n.get("/v1/sessions/nope/state"), 404);
            assertEquals("session_not_found", missing.get("code").asText());
            assertEquals(404, send(n, "PUT", "/v1/sessions/nope/state", "{}").statusCode());
            assertEquals(404, n.get("/v1/sessions/st-2/other").statusCode());

            assertEquals(200, n.delete("/v1/sessions/st-2").statusCode());
            assertEquals("session_not_found", error(n.get(path), 404).get("code").asText());
        }
    }

    @Test
    void shouldRenderTheStateIntoTheSystemPromptOfEachTurn() throws Exception {
        try (TestNode n = node()) {
            assertEquals(200, n.post("/v1/sessions", "{\"id\":\"st-3\",\"system_prompt\":"
                    + "\"You are terse. The user is {{state.user.name}}.\"}").statusCode());
            ok(send(n, "PUT", "/v1/sessions/st-3/state", "{\"user\":{\"name\":\"Ada\"}}"));

            JsonNode first = chat(n, "st-3", null, "hello");
            JsonNode stateless = chat(n, null, "You are terse. The user is Ada.", "hello");
            assertEquals(promptTokens(stateless), promptTokens(first), "the model saw the name");
            assertEquals(content(stateless), content(first), "same greedy reply");

            int previousTotal = promptTokens(first) + first.at("/usage/completion_tokens").asInt();
            JsonNode second = chat(n, "st-3", null, "again");
            assertTrue(cachedTokens(second) >= previousTotal - 1,
                    "unchanged state: the exact ids continue, " + cachedTokens(second) + " cached of " + previousTotal);

            ok(send(n, "PATCH", "/v1/sessions/st-3/state", "{\"user\":{\"name\":\"Grace Hopper\"}}"));
            previousTotal = promptTokens(second) + second.at("/usage/completion_tokens").asInt();
            JsonNode third = chat(n, "st-3", null, "and now");
            assertTrue(cachedTokens(third) < previousTotal - 1, "the system prompt changed: only its prefix is"
                    + " reused, " + cachedTokens(third) + " cached of " + previousTotal);
        }
    }

    private static JsonNode chat(TestNode n, String sessionId, String system, String user) throws Exception {
        ObjectNode b = JSON.createObjectNode();
        b.put("model", "demo");
        b.put("max_tokens", 6);
        b.put("temperature", 0);
        if (sessionId != null) {
            b.put("session_id", sessionId);
        }
        ArrayNode messages = b.putArray("messages");
        if (system != null) {
            messages.addObject().put("role", "system").put("content", system);
        }
        messages.addObject().put("role", "user").put("content", user);
        return ok(n.post("/v1/chat/completions", b.toString()));
    }

    private static int promptTokens(JsonNode completion) {
        return completion.at("/usage/prompt_tokens").asInt();
    }

    private static int cachedTokens(JsonNode completion) {
        return completion.at("/usage/prompt_tokens_details/cached_tokens").asInt();
    }

    private static String content(JsonNode completion) {
        return completion.at("/choices/0/message/content").asText();
    }
}
