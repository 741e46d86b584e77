package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.core.embed.Embedder;
import io.edgenode.server.memory.HashingEmbedder;
import io.edgenode.server.memory.MemoryService;
import io.edgenode.server.session.SessionSettings;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A chat request's {@code memory}: retrieval by the last user message into the prompt, ids in usage. */
@Timeout(120)
class MemoryChatTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        Embedder hash = new HashingEmbedder("hash-64", 64);
        MemoryService memory = MemoryService.open(dir, id -> id.equals("hash-64") ? Optional.of(hash) : Optional.empty());
        node = new TestNode(TestNode.tinyModel("demo", 1, 1024, 8), "",
                SessionSettings.defaults(dir.resolve("sessions")), memory, ex -> { });
        ok(node.post("/v1/indexes", "{\"name\":\"prefs\",\"embedding_model\":\"hash-64\"}"));
        ok(node.post("/v1/indexes/prefs/upsert", q("{'vectors':["
                + "{'id':'seat','text':'the user prefers aisle seats','namespace':'u1','metadata':{'kind':'travel'}},"
                + "{'id':'food','text':'the user is vegetarian','namespace':'u1','metadata':{'kind':'diet'}},"
                + "{'id':'other','text':'someone else prefers window seats','namespace':'u2'}]}")));
        ok(node.post("/v1/indexes", "{\"name\":\"raw\",\"dimensions\":2}"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static String q(String s) {
        return s.replace('\'', '"');
    }

    static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    static String chat(String memory) {
        return q("{'model':'demo','max_tokens':4,'temperature':0,'messages':[{'role':'system','content':'be brief'},"
                + "{'role':'user','content':'which seats do I prefer'}]" + (memory == null ? "" : ",'memory':" + memory)
                + "}");
    }

    @Test
    void shouldPutRetrievedPassagesIntoThePromptAndNameThemInUsage() throws Exception {
        JsonNode plain = ok(node.post("/v1/chat/completions", chat(null)));
        assertTrue(plain.at("/usage/memory").isMissingNode());
        JsonNode with = ok(node.post("/v1/chat/completions", chat("{'index':'prefs','namespace':'u1','top_k':1}")));
        assertEquals("prefs", with.at("/usage/memory/index").asText());
        assertEquals(List.of("seat"), JSON.convertValue(with.at("/usage/memory/ids"), List.class));
        assertTrue(with.at("/usage/prompt_tokens").asInt() > plain.at("/usage/prompt_tokens").asInt() + 10,
                "the passage is in the prompt: " + with.get("usage") + " vs " + plain.get("usage"));
        JsonNode both = ok(node.post("/v1/chat/completions", chat("{'index':'prefs','namespace':'u1'}")));
        assertEquals(2, both.at("/usage/memory/ids").size(), "only namespace u1: " + both.get("usage"));
        JsonNode filtered = ok(node.post("/v1/chat/completions",
                chat("{'index':'prefs','namespace':'u1','filter':{'kind':'diet'}}")));
        assertEquals(List.of("food"), JSON.convertValue(filtered.at("/usage/memory/ids"), List.class));
        JsonNode none = ok(node.post("/v1/chat/completions",
                chat("{'index':'prefs','namespace':'nobody'}")));
        assertEquals(0, none.at("/usage/memory/ids").size());
        assertEquals(plain.at("/usage/prompt_tokens").asInt(), none.at("/usage/prompt_tokens").asInt(),
                "nothing retrieved, nothing added");
    }

    @Test
    void shouldDeleteASessionsNamespaceWithTheSession() throws Exception {
        ok(node.post("/v1/sessions", "{\"id\":\"owner\"}"));
        ok(node.post("/v1/indexes/prefs/upsert", q("{'vectors':[{'id':'mine','text':'owner likes jazz',"
                + "'namespace':'session:owner'},{'id':'kept','text':'another likes jazz','namespace':'session:other'}]}")));
        assertEquals(List.of("mine"), JSON.convertValue(ok(node.post("/v1/chat/completions",
                chat("{'index':'prefs','namespace':'session:owner'}"))).at("/usage/memory/ids"), List.class));
        ok(node.delete("/v1/sessions/owner"));
        assertEquals(0, ok(node.post("/v1/indexes/prefs/get_by_ids", "{\"ids\":[\"mine\"]}")).get("count").asInt());
        assertEquals(1, ok(node.post("/v1/indexes/prefs/get_by_ids", "{\"ids\":[\"kept\"]}")).get("count").asInt(),
                "other namespaces stay");
    }

    @Test
    void shouldSearchALongMessageByItsTail() throws Exception {
        // 145 words: over the test embedder's 128 tokens, still inside the tiny model's context.
        String longMessage = "lorem ipsum dolor sit amet ".repeat(28) + "which seats do I prefer";
        JsonNode r = ok(node.post("/v1/chat/completions", q("{'model':'demo','max_tokens':2,'temperature':0,"
                + "'messages':[{'role':'user','content':'" + longMessage + "'}],"
                + "'memory':{'index':'prefs','namespace':'u1','top_k':1,'filter':{'kind':'travel'}}}")));
        // Not refused for its length (the filter pins the answer: the hashing embedder's ranking of
        // lorem ipsum says nothing).
        assertEquals(List.of("seat"), JSON.convertValue(r.at("/usage/memory/ids"), List.class));
    }

    @Test
    void shouldRefuseBadMemoryRequests() throws Exception {
        assertEquals(404, node.post("/v1/chat/completions", chat("{'index':'nope'}")).statusCode());
        var r = node.post("/v1/chat/completions", chat("{'index':'raw'}"));
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("memory.index", JSON.readTree(r.body()).at("/error/param").asText());
        r = node.post("/v1/chat/completions", chat("{'index':'prefs','filter':{'k':null}}"));
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("memory.filter.k", JSON.readTree(r.body()).at("/error/param").asText());
        r = node.post("/v1/chat/completions", chat("{'index':'prefs','top_k':0}"));
        assertEquals(400, r.statusCode(), r.body());
        r = node.post("/v1/chat/completions", chat("{'namespace':'u1'}"));
        assertEquals(400, r.statusCode(), r.body());
    }

    static String turn(String session, String text, String memory) {
        return q("{'model':'demo','session_id':'" + session + "','max_tokens':3,'temperature':0,'ignore_eos':true,"
                + "'messages':[{'role':'user','content':'" + text + "'}]" + (memory == null ? "" : ",'memory':" + memory)
                + "}");
    }

    @Test
    void shouldRetrieveIntoASessionTurnWithoutStoringThePassages() throws Exception {
        ok(node.post("/v1/sessions", q("{'id':'remembers','system_prompt':'be brief'}")));
        ok(node.post("/v1/sessions", q("{'id':'forgets','system_prompt':'be brief'}")));
        // A turn without memory, for the prompt length a passage adds.
        JsonNode plain = ok(node.post("/v1/chat/completions", turn("forgets", "which seats do I prefer", null)));
        JsonNode with = ok(node.post("/v1/chat/completions",
                turn("remembers", "which seats do I prefer", "{'index':'prefs','namespace':'u1','top_k':1}")));
        assertEquals(List.of("seat"), JSON.convertValue(with.at("/usage/memory/ids"), List.class));
        assertEquals("remembers", with.at("/usage/session/id").asText());
        assertTrue(with.at("/usage/prompt_tokens").asInt() > plain.at("/usage/prompt_tokens").asInt() + 10,
                "the passage is in this turn's prompt: " + with.get("usage") + " vs " + plain.get("usage"));
        // The passage was context for that turn only: it is not in the stored history, and the next
        // turn's prompt is the same as the other session's, which never retrieved anything.
        JsonNode stored = ok(node.get("/v1/sessions/remembers"));
        assertTrue(!stored.toString().contains("aisle"), "no passage stored: " + stored);
        JsonNode next = ok(node.post("/v1/chat/completions", turn("remembers", "thanks", null)));
        // The same conversation sent whole, without any memory: the prompt the second turn must have.
        var history = JSON.createObjectNode().put("model", "demo").put("max_tokens", 1);
        var messages = history.putArray("messages");
        messages.addObject().put("role", "system").put("content", "be brief");
        messages.addObject().put("role", "user").put("content", "which seats do I prefer");
        messages.addObject().put("role", "assistant").put("content", with.at("/choices/0/message/content").asText());
        messages.addObject().put("role", "user").put("content", "thanks");
        JsonNode whole = ok(node.post("/v1/chat/completions", history.toString()));
        assertEquals(whole.at("/usage/prompt_tokens").asInt(), next.at("/usage/prompt_tokens").asInt(),
                "the second turn's prompt is the stored history plus the new message, no passage");
        assertTrue(next.at("/usage/memory").isMissingNode());
    }
}
