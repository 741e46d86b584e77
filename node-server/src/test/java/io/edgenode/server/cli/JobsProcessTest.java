package io.edgenode.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.edgenode.server.testing.Eventually;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Scheduled work across real process lifetimes: a run cut by SIGKILL is retried with the same id. */
@Timeout(180)
class JobsProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private HttpServer receiver;
    private final List<String> keys = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void startReceiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newCachedThreadPool());
        receiver.createContext("/hooks/", x -> {
            x.getRequestBody().readAllBytes();
            keys.add(x.getRequestHeaders().getFirst("Idempotency-Key"));
            try {
                if (keys.size() == 1) {
                    release.await(120, TimeUnit.SECONDS); // the first delivery never completes: the node dies
                }
                x.sendResponseHeaders(204, -1);
            } catch (Exception e) {
                // the node that sent it is gone
            } finally {
                x.close();
            }
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        release.countDown();
        receiver.stop(0);
    }

    private Path config() throws Exception {
        Path c = ChildNode.tinyConfig(dir, 2);
        Files.writeString(c, Files.readString(c) + "jobs:\n  webhook_allow: [\"http://127.0.0.1:"
                + receiver.getAddress().getPort() + "/hooks/\"]\n");
        return c;
    }

    @Test
    void shouldRetryARunCutBySigkillOnceWithTheSameId() throws Exception {
        Path config = config();
        String path;
        try (ChildNode n = new ChildNode(config)) {
            assertEquals(200, n.send("POST", "/v1/sessions", "{\"id\":\"alarm\"}").statusCode());
            var r = n.send("POST", "/v1/sessions/alarm/schedules", "{\"delay_seconds\":1,\"action\":{\"type\":"
                    + "\"webhook\",\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks/a\","
                    + "\"payload\":{\"call\":\"mom\"}}}");
            assertEquals(200, r.statusCode(), r.body());
            path = "/v1/sessions/alarm/schedules/" + JSON.readTree(r.body()).get("id").asText();
            Eventually.until(Duration.ofSeconds(20), "the first delivery in flight", () -> keys.size() == 1);
            n.kill(); // in the middle of the run: recorded as begun, never finished
        }
        try (ChildNode n = new ChildNode(config)) {
            Eventually.until(Duration.ofSeconds(20), "the run retried after the restart", () -> keys.size() == 2);
            assertEquals(keys.get(0), keys.get(1), "the retry carries the same run id: " + keys);
            Eventually.until(Duration.ofSeconds(20), "the retried run recorded", () -> {
                try {
                    JsonNode run = JSON.readTree(n.send("GET", path, null).body()).path("runs").path(0);
                    return run.path("outcome").asText().equals("ok");
                } catch (Exception e) {
                    return false;
                }
            });
            JsonNode s = JSON.readTree(n.send("GET", path, null).body());
            assertEquals(1, s.path("runs").size(), "one run, retried: " + s);
            assertEquals(2, s.path("runs").path(0).path("attempt").asInt());
            assertEquals(keys.get(0), s.path("runs").path(0).path("id").asText());
            assertEquals("done", s.get("state").asText());
            assertTrue(n.send("GET", "/metrics", null).body().contains("edgenode_job_runs_total{event=\"retried\"} 1.0"));
        }
    }
}
