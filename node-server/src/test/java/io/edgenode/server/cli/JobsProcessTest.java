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
    private final List<String> steps = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void startReceiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newCachedThreadPool());
        receiver.createContext("/steps/", x -> {
            x.getRequestBody().readAllBytes();
            String step = x.getRequestURI().getPath().substring("/steps/".length());
            steps.add(step + " " + x.getRequestHeaders().getFirst("Idempotency-Key"));
            try {
                if (step.equals("second") && steps.stream().filter(s -> s.startsWith("second ")).count() == 1) {
                    release.await(120, TimeUnit.SECONDS); // its first call never completes: the node dies
                }
                x.sendResponseHeaders(204, -1);
            } catch (Exception e) {
                // the node that sent it is gone
            } finally {
                x.close();
            }
        });
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
        String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
        Files.writeString(c, Files.readString(c) + "jobs:\n  webhook_allow: [\"" + base + "/hooks/\", \"" + base
                + "/steps/\"]\n");
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

    @Test
    void shouldResumeAWorkflowCutBySigkillRunningEachCompletedStepOnce() throws Exception {
        Path config = config();
        String base = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/steps/";
        String id;
        try (ChildNode n = new ChildNode(config)) {
            var r = n.send("POST", "/v1/workflows", "{\"definition\":{\"steps\":["
                    + "{\"id\":\"first\",\"type\":\"http\",\"url\":\"" + base + "first\"},"
                    + "{\"id\":\"second\",\"type\":\"http\",\"url\":\"" + base + "second\"},"
                    + "{\"id\":\"nap\",\"type\":\"sleep\",\"seconds\":1},"
                    + "{\"id\":\"third\",\"type\":\"http\",\"url\":\"" + base + "third\"}]}}");
            assertEquals(200, r.statusCode(), r.body());
            id = JSON.readTree(r.body()).get("id").asText();
            Eventually.until(Duration.ofSeconds(20), "the second step in flight",
                    () -> steps.stream().anyMatch(s -> s.startsWith("second ")));
            n.kill(); // in the middle of the second step
        }
        try (ChildNode n = new ChildNode(config)) {
            Eventually.until(Duration.ofSeconds(30), "the workflow finished after the restart", () -> {
                try {
                    return JSON.readTree(n.send("GET", "/v1/workflows/" + id, null).body()).path("status").asText()
                            .equals("succeeded");
                } catch (Exception e) {
                    return false;
                }
            });
        }
        List<String> first = steps.stream().filter(s -> s.startsWith("first ")).toList();
        List<String> second = steps.stream().filter(s -> s.startsWith("second ")).toList();
        List<String> third = steps.stream().filter(s -> s.startsWith("third ")).toList();
        assertEquals(1, first.size(), "a completed step never runs again: " + steps);
        assertEquals(2, second.size(), "the interrupted step runs once more: " + steps);
        assertEquals(second.get(0), second.get(1), "with the same idempotency key");
        assertEquals(1, third.size(), steps.toString());
        assertEquals(List.of("first", "second", "second", "third"), steps.stream().map(s -> s.split(" ")[0]).toList());
    }
}
