package io.edgenode.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vector indexes across real process lifetimes: every upsert whose response reached the client
 * survives SIGKILL right after it (no shutdown hook, no drain), with its metadata and namespace.
 */
@Timeout(180)
class MemoryProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void shouldKeepEveryAcknowledgedUpsertThroughSigkill() throws Exception {
        Path config = ChildNode.tinyConfig(dir, 1);
        Set<String> acknowledged = new HashSet<>();
        try (ChildNode n = new ChildNode(config)) {
            assertEquals(200, n.send("POST", "/v1/indexes",
                    "{\"name\":\"durable\",\"dimensions\":4,\"metric\":\"cosine\"}").statusCode());
            for (int i = 0; i < 30; i++) {
                String id = "v" + i;
                var r = n.send("POST", "/v1/indexes/durable/upsert", "{\"vectors\":[{\"id\":\"" + id
                        + "\",\"values\":[1," + i + ",0,1],\"namespace\":\"ns\",\"metadata\":{\"i\":" + i + "}}]}");
                assertEquals(200, r.statusCode(), r.body());
                acknowledged.add(id);
            }
            n.kill(); // right after the last acknowledged upsert
        }
        try (ChildNode n = new ChildNode(config)) {
            JsonNode info = JSON.readTree(n.send("GET", "/v1/indexes/durable", null).body());
            assertEquals(acknowledged.size(), info.get("vector_count").asInt(), info.toString());
            StringBuilder ids = new StringBuilder();
            for (String id : acknowledged) {
                ids.append(ids.isEmpty() ? "" : ",").append('"').append(id).append('"');
            }
            JsonNode got = JSON.readTree(n.send("POST", "/v1/indexes/durable/get_by_ids",
                    "{\"ids\":[" + ids + "]}").body());
            assertEquals(acknowledged.size(), got.get("count").asInt());
            JsonNode last = JSON.readTree(n.send("POST", "/v1/indexes/durable/query",
                    "{\"vector\":[1,29,0,1],\"top_k\":1,\"namespace\":\"ns\",\"filter\":{\"i\":29},"
                            + "\"return_metadata\":true}").body());
            assertEquals("v29", last.at("/matches/0/id").asText(), last.toString());
            assertEquals(29, last.at("/matches/0/metadata/i").asInt());
        }
    }
}
