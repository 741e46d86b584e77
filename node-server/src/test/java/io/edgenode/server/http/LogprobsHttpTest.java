package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code logprobs}, {@code top_logprobs} and {@code logit_bias} on a real node, in OpenAI's shapes, streamed too. */
@Timeout(120)
class LogprobsHttpTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = new TestNode(TestNode.tinyModel("tiny", 2, 2048, 32));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static String chat(boolean stream, String extra) {
        return "{\"model\":\"tiny\",\"stream\":" + stream + ",\"max_tokens\":16,\"temperature\":0,\"ignore_eos\":true"
                + extra + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
    }

    static JsonNode post(String path, String json) throws Exception {
        HttpResponse<String> r = node.post(path, json);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    static byte[] bytes(JsonNode entry) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        entry.get("bytes").forEach(b -> out.write(b.asInt()));
        return out.toByteArray();
    }

    /** Each entry: logprob <= 0, top list sorted and as long as asked, greedy token = top-1. */
    static void assertGreedyEntries(List<JsonNode> entries, int top) {
        for (JsonNode e : entries) {
            double lp = e.get("logprob").asDouble();
            assertTrue(lp <= 0, e.toString());
            JsonNode alts = e.get("top_logprobs");
            assertEquals(top, alts.size(), e.toString());
            for (int i = 1; i < alts.size(); i++) {
                assertTrue(alts.get(i - 1).get("logprob").asDouble() >= alts.get(i).get("logprob").asDouble());
            }
            if (top > 0) {
                assertArrayEquals(bytes(alts.get(0)), bytes(e), e.toString());
                assertEquals(alts.get(0).get("logprob").asDouble(), lp, 1e-6);
            }
        }
    }

    @Test
    void chatShouldListEveryTokenWithItsAlternativesAndBytesThatSpellTheContent() throws Exception {
        JsonNode b = post("/v1/chat/completions", chat(false, ",\"logprobs\":true,\"top_logprobs\":3"));
        JsonNode choice = b.at("/choices/0");
        List<JsonNode> entries = new ArrayList<>();
        choice.at("/logprobs/content").forEach(entries::add);
        assertEquals(16, entries.size());
        assertTrue(choice.at("/logprobs/refusal").isNull());
        assertGreedyEntries(entries, 3);
        ByteArrayOutputStream spelled = new ByteArrayOutputStream();
        entries.forEach(e -> spelled.writeBytes(bytes(e)));
        assertEquals(choice.at("/message/content").asText(), spelled.toString(StandardCharsets.UTF_8));
        // without logprobs the field stays null
        assertTrue(post("/v1/chat/completions", chat(false, "")).at("/choices/0/logprobs").isNull());
    }

    @Test
    void chatStreamShouldCarryEachChunksTokens() throws Exception {
        HttpResponse<String> r = node.post("/v1/chat/completions", chat(true, ",\"logprobs\":true,\"top_logprobs\":2"));
        assertEquals(200, r.statusCode(), r.body());
        List<JsonNode> entries = new ArrayList<>();
        StringBuilder content = new StringBuilder();
        for (String e : HttpNodeTest.events(r.body())) {
            if (e.equals("[DONE]")) {
                continue;
            }
            JsonNode c = JSON.readTree(e).at("/choices/0");
            content.append(c.at("/delta/content").asText(""));
            c.at("/logprobs/content").forEach(entries::add);
        }
        assertEquals(16, entries.size());
        assertGreedyEntries(entries, 2);
        ByteArrayOutputStream spelled = new ByteArrayOutputStream();
        entries.forEach(x -> spelled.writeBytes(bytes(x)));
        assertEquals(content.toString(), spelled.toString(StandardCharsets.UTF_8));
    }

    @Test
    void textCompletionsShouldAnswerTheLegacyShape() throws Exception {
        JsonNode b = post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"Once upon\",\"max_tokens\":12,"
                + "\"temperature\":0,\"ignore_eos\":true,\"logprobs\":2}");
        JsonNode lp = b.at("/choices/0/logprobs");
        assertEquals(12, lp.get("tokens").size());
        assertEquals(12, lp.get("token_logprobs").size());
        assertEquals(12, lp.get("top_logprobs").size());
        assertEquals(12, lp.get("text_offset").size());
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            assertEquals(text.length(), lp.get("text_offset").get(i).asInt());
            text.append(lp.get("tokens").get(i).asText());
            assertTrue(lp.get("top_logprobs").get(i).size() <= 2); // a map: equal texts share a key
        }
    }

    @Test
    void logitBiasShouldForceAToken() throws Exception {
        JsonNode b = post("/v1/chat/completions", chat(false, ",\"logprobs\":true,\"logit_bias\":{\"300\":100}"));
        List<byte[]> pieces = new ArrayList<>();
        b.at("/choices/0/logprobs/content").forEach(e -> pieces.add(bytes(e)));
        assertEquals(16, pieces.size());
        for (byte[] p : pieces) {
            assertArrayEquals(pieces.getFirst(), p); // every token is token 300
        }
        HttpResponse<String> r = node.post("/v1/chat/completions", chat(false, ",\"logit_bias\":{\"99999999\":5}"));
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("logit_bias", JSON.readTree(r.body()).at("/error/param").asText());
    }
}
