package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.core.embed.Embedder;
import io.edgenode.server.memory.HashingEmbedder;
import io.edgenode.server.memory.MemoryService;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code /v1/indexes} over real HTTP on an ephemeral port: the API's shapes and every refusal's status. */
@Timeout(120)
class IndexesHttpTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        Embedder hash = new HashingEmbedder("hash-64", 64);
        MemoryService memory = MemoryService.open(dir, id -> id.equals("hash-64") ? Optional.of(hash) : Optional.empty());
        node = new TestNode(TestNode.tinyModel("demo", 1, 512, 8), "", null, memory, ex -> { });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static String q(String s) {
        return s.replace('\'', '"');
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return node.post(path, q(body));
    }

    JsonNode ok(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** The status and OpenAI's error shape, with the param named. */
    void refused(int status, String param, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertTrue(e.hasNonNull("message") && e.hasNonNull("type") && e.has("param") && e.has("code"), r.body());
        if (param != null) {
            assertEquals(param, e.get("param").asText(), r.body());
        }
    }

    @Test
    void shouldServeTheWholeLifecycleOfAnIndex() throws Exception {
        JsonNode created = ok(post("/v1/indexes", "{'name':'life','dimensions':3,'metric':'cosine'}"));
        assertEquals("life", created.get("name").asText());
        assertEquals(3, created.get("dimensions").asInt());
        JsonNode w = ok(post("/v1/indexes/life/upsert", "{'vectors':[{'id':'a','values':[1,0,0],'metadata':"
                + "{'lang':'en','n':1}},{'id':'b','values':[0,1,0],'namespace':'other'},{'id':'c','values':[1,1,0]}]}"));
        assertEquals(3, w.get("count").asInt());
        JsonNode r = ok(post("/v1/indexes/life/query", "{'vector':[1,0.2,0],'top_k':2,'return_metadata':true,"
                + "'return_values':true}"));
        assertEquals(2, r.get("count").asInt());
        assertEquals("a", r.at("/matches/0/id").asText());
        assertEquals("en", r.at("/matches/0/metadata/lang").asText());
        assertEquals(3, r.at("/matches/0/values").size());
        assertTrue(r.at("/matches/0/score").asDouble() > r.at("/matches/1/score").asDouble());
        assertEquals("c", ok(post("/v1/indexes/life/query", "{'vector':[1,0,0],'filter':{'n':{'$ne':1}}}"))
                .at("/matches/0/id").asText());
        assertEquals("b", ok(post("/v1/indexes/life/query", "{'vector':[1,0,0],'namespace':'other'}"))
                .at("/matches/0/id").asText());
        assertEquals(2, ok(post("/v1/indexes/life/get_by_ids", "{'ids':['a','b','z']}")).get("count").asInt());
        assertEquals(3, ok(node.get("/v1/indexes/life")).get("vector_count").asInt());
        assertEquals(1, ok(post("/v1/indexes/life/delete_by_ids", "{'ids':['a','z']}")).get("count").asInt());
        assertEquals(2, ok(node.get("/v1/indexes/life")).get("vector_count").asInt());
        assertTrue(ok(node.get("/v1/indexes")).get("data").findValuesAsText("name").contains("life"));
        assertEquals(true, ok(node.delete("/v1/indexes/life")).get("deleted").asBoolean());
        refused(404, null, node.get("/v1/indexes/life"));
    }

    @Test
    void shouldRefuseBadInputWithTheRightStatusAndStoreNothing() throws Exception {
        ok(post("/v1/indexes", "{'name':'bad','dimensions':2}"));
        refused(409, "name", post("/v1/indexes", "{'name':'bad','dimensions':2}"));
        refused(400, "name", post("/v1/indexes", "{'name':'a/b','dimensions':2}"));
        refused(400, "dimensions", post("/v1/indexes", "{'name':'x','dimensions':5000}"));
        refused(400, "vectors[1].values", post("/v1/indexes/bad/upsert",
                "{'vectors':[{'id':'a','values':[1,0]},{'id':'b','values':[1,0,0]}]}"));
        refused(400, "vectors[0].values[1]", post("/v1/indexes/bad/upsert",
                "{'vectors':[{'id':'a','values':[1,1e300]}]}"));
        refused(400, null, node.post("/v1/indexes/bad/upsert", "{\"vectors\":[{\"id\":\"a\",\"values\":[NaN,1]}]}"));
        refused(400, "vectors[0].metadata", post("/v1/indexes/bad/upsert",
                "{'vectors':[{'id':'a','values':[1,0],'metadata':{'m':'" + "x".repeat(20_000) + "'}}]}"));
        refused(400, "filter.k", post("/v1/indexes/bad/query", "{'vector':[1,0],'filter':{'k':null}}"));
        refused(400, "filter.k.$gt", post("/v1/indexes/bad/query", "{'vector':[1,0],'filter':{'k':{'$gt':false}}}"));
        refused(400, "top_k", post("/v1/indexes/bad/query", "{'vector':[1,0],'top_k':500}"));
        refused(400, "top_k", post("/v1/indexes/bad/query", "{'vector':[1,0],'top_k':'3'}"));
        refused(400, null, node.post("/v1/indexes/bad/query", "{not json"));
        refused(404, null, post("/v1/indexes/none/query", "{'vector':[1,0]}"));
        refused(404, null, post("/v1/indexes/none/upsert", "{'vectors':[{'id':'a','values':[1,0]}]}"));
        refused(404, null, node.delete("/v1/indexes/none"));
        refused(404, null, post("/v1/indexes/bad/frobnicate", "{}"));
        refused(405, null, node.get("/v1/indexes/bad/query"));
        ok(post("/v1/indexes/bad/insert", "{'vectors':[{'id':'a','values':[1,0]}]}"));
        refused(409, "vectors", post("/v1/indexes/bad/insert",
                "{'vectors':[{'id':'fresh','values':[1,0]},{'id':'a','values':[0,1]}]}"));
        assertEquals(1, ok(node.get("/v1/indexes/bad")).get("vector_count").asInt(), "nothing stored half-way");
        assertEquals(200, node.get("/health").statusCode(), "the node is still up");
    }

    @Test
    void shouldEmbedTextWithTheIndexModel() throws Exception {
        JsonNode created = ok(post("/v1/indexes", "{'name':'texts','embedding_model':'hash-64'}"));
        assertEquals(64, created.get("dimensions").asInt());
        assertEquals("hash-64", created.get("embedding_model").asText());
        JsonNode w = ok(post("/v1/indexes/texts/upsert", "{'vectors':[{'id':'seat','text':'prefers aisle seats'},"
                + "{'id':'meal','text':'vegetarian meals'}]}"));
        assertTrue(w.at("/usage/prompt_tokens").asInt() > 0, w.toString());
        JsonNode r = ok(post("/v1/indexes/texts/query", "{'text':'aisle or window seats','top_k':1,"
                + "'return_metadata':true}"));
        assertEquals(List.of("seat"), r.get("matches").findValuesAsText("id"));
        assertEquals("prefers aisle seats", r.at("/matches/0/metadata/text").asText());
        refused(400, "embedding_model", post("/v1/indexes", "{'name':'t2','embedding_model':'nope'}"));
        refused(400, "text", post("/v1/indexes/texts/query", "{'text':'   '}"));
    }
}
