package io.edgenode.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions across real process lifetimes: a turn whose final chunk reached the client survives
 * SIGKILL right after it, and a node restarted after SIGTERM restores the session's KV from its
 * snapshot instead of prefilling the history.
 */
@Timeout(180)
class SessionProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A streamed turn, read up to {@code [DONE]}: its content and its usage event (prompt and cached tokens). */
    private JsonNode streamedTurn(ChildNode n, String session, String user) throws Exception {
        String body = "{\"model\":\"demo\",\"session_id\":\"" + session + "\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"max_tokens\":12,\"temperature\":0,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + user + "\"}]}";
        HttpResponse<InputStream> r = n.client.send(HttpRequest.newBuilder(n.base.resolve("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        StringBuilder content = new StringBuilder();
        JsonNode usage = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null && !line.equals("data: [DONE]"); ) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                JsonNode chunk = JSON.readTree(line.substring(6));
                assertTrue(chunk.get("error") == null, line);
                JsonNode delta = chunk.at("/choices/0/delta/content");
                if (!delta.isMissingNode()) {
                    content.append(delta.asText());
                }
                if (chunk.hasNonNull("usage")) {
                    usage = chunk.get("usage");
                }
            }
        }
        var out = JSON.createObjectNode();
        out.put("content", content.toString());
        out.set("usage", usage);
        return out;
    }

    @Test
    void shouldKeepAcknowledgedTurnsThroughSigkillAndRestoreKvAfterARestart() throws Exception {
        Path config = ChildNode.tinyConfig(dir, 2);
        String first;
        String second;
        try (ChildNode n = new ChildNode(config)) {
            assertEquals(200, n.send("POST", "/v1/sessions", "{\"id\":\"durable\"}").statusCode());
            first = streamedTurn(n, "durable", "one").get("content").asText();
            second = streamedTurn(n, "durable", "two").get("content").asText();
            n.kill(); // right after the final chunk of the second turn
        }
        int history;
        try (ChildNode n = new ChildNode(config)) {
            JsonNode s = JSON.readTree(n.send("GET", "/v1/sessions/durable", null).body());
            assertEquals(2, s.get("turn_count").asInt(), "no acknowledged turn lost: " + s);
            assertEquals(first, s.at("/turns/0/reply/content").asText());
            assertEquals(second, s.at("/turns/1/reply/content").asText());
            JsonNode third = streamedTurn(n, "durable", "three");
            history = third.at("/usage/prompt_tokens").asInt() + third.at("/usage/completion_tokens").asInt();
            n.terminate(); // drains, and the snapshot writer flushes
        }
        try (ChildNode n = new ChildNode(config)) {
            JsonNode fourth = streamedTurn(n, "durable", "four");
            // A fresh process has nothing resident: the history's KV comes from the snapshot
            // (all of it but the last sampled token, which was never fed back).
            assertEquals(history - 1, fourth.at("/usage/prompt_tokens_details/cached_tokens").asInt(), fourth.toString());
            assertEquals(4, JSON.readTree(n.send("GET", "/v1/sessions/durable", null).body()).get("turn_count").asInt());
            HttpResponse<String> deleted = n.send("DELETE", "/v1/sessions/durable", null);
            assertEquals(200, deleted.statusCode(), deleted.body());
            n.terminate();
        }
        try (var files = Files.list(dir.resolve("data").resolve("kv"))) {
            assertEquals(0, files.filter(p -> p.toString().endsWith(".kv")).count(), "DELETE removed the snapshot");
        }
    }
}
