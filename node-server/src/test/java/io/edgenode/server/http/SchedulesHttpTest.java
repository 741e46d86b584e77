package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.edgenode.server.session.SessionSettings;
import io.edgenode.server.testing.Eventually;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Schedules on a real node: turns that run by themselves, webhooks with idempotency keys, downtime. */
@Timeout(180)
class SchedulesHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    /** A webhook receiver on loopback: every delivery's idempotency key and body. */
    record Delivery(String idempotencyKey, String scheduleId, String body) {}

    private HttpServer receiver;
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startReceiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hooks/", x -> {
            byte[] body = x.getRequestBody().readAllBytes();
            deliveries.add(new Delivery(x.getRequestHeaders().getFirst("Idempotency-Key"),
                    x.getRequestHeaders().getFirst("X-Edgenode-Schedule-Id"), new String(body, StandardCharsets.UTF_8)));
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    private String hooks() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks/";
    }

    private TestNode node(String missed) throws Exception {
        return new TestNode(TestNode.tinyModel("demo", 2, 4096, 16) + "jobs:\n  webhook_allow: [\"" + hooks()
                + "\"]\n  missed: " + missed + "\n", "", SessionSettings.defaults(dataDir));
    }

    private static String session(TestNode n) throws Exception {
        HttpResponse<String> r = n.post("/v1/sessions", "{\"model\":\"demo\"}");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    private static JsonNode schedule(TestNode n, String sessionId, String body) throws Exception {
        HttpResponse<String> r = n.post("/v1/sessions/" + sessionId + "/schedules", body);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static JsonNode get(TestNode n, String path) throws Exception {
        HttpResponse<String> r = n.get(path);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void shouldRunAScheduledTurnThatEveryClientSeesAndTheHistoryKeeps() throws Exception {
        try (TestNode n = node("run_once")) {
            String id = session(n);
            try (WsClient ws = WsClient.connect(n, id)) {
                ws.next("hello");
                JsonNode s = schedule(n, id, "{\"delay_seconds\":1,\"action\":{\"type\":\"turn\",\"max_tokens\":8,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"remind me to call mom\"}]}}");
                assertEquals("session.schedule", s.get("object").asText());
                assertEquals("active", s.get("state").asText());
                List<JsonNode> turn = ws.turn(0);
                JsonNode started = ws.all.stream().filter(m -> m.path("type").asText().equals("turn.started"))
                        .findFirst().orElseThrow();
                assertEquals("schedule", started.get("source").asText());
                assertEquals("remind me to call mom", started.path("messages").path(0).path("content").asText());
                assertEquals("turn.finished", turn.getLast().get("type").asText());
                JsonNode stored = get(n, "/v1/sessions/" + id);
                assertEquals(1, stored.get("turn_count").asInt());
                assertEquals(WsClient.text(turn), stored.path("turns").path(0).path("reply").path("content").asText());
                String path = "/v1/sessions/" + id + "/schedules/" + s.get("id").asText();
                Eventually.until(Duration.ofSeconds(10), "the run recorded as ok", () -> {
                    try {
                        return get(n, path).path("runs").path(0).path("outcome").asText().equals("ok");
                    } catch (Exception e) {
                        return false;
                    }
                });
                JsonNode run = ws.next("schedule.run");
                assertEquals("ok", run.get("outcome").asText());
                assertEquals(s.get("id").asText(), run.get("schedule_id").asText());
                JsonNode done = get(n, path);
                assertEquals("done", done.get("state").asText());
                assertEquals(1, done.get("run_count").asInt());
            }
        }
    }

    @Test
    void shouldDeliverWebhooksWithTheRunIdAsIdempotencyKeyAndStopAfterMaxRuns() throws Exception {
        try (TestNode n = node("run_once")) {
            String id = session(n);
            JsonNode s = schedule(n, id, "{\"every_seconds\":1,\"max_runs\":2,\"action\":{\"type\":\"webhook\","
                    + "\"url\":\"" + hooks() + "price\",\"payload\":{\"check\":\"price\",\"n\":1}}}");
            String path = "/v1/sessions/" + id + "/schedules/" + s.get("id").asText();
            Eventually.until(Duration.ofSeconds(15), "two runs finished", () -> {
                try {
                    JsonNode g = get(n, path);
                    return g.get("state").asText().equals("done") && g.path("runs").size() == 2
                            && !g.path("runs").path(0).path("finished_at").isNull();
                } catch (Exception e) {
                    return false;
                }
            });
            JsonNode g = get(n, path);
            assertEquals(2, deliveries.size(), deliveries.toString());
            for (int i = 0; i < 2; i++) {
                Delivery d = deliveries.get(i);
                assertEquals("{\"check\":\"price\",\"n\":1}", d.body());
                assertEquals(s.get("id").asText(), d.scheduleId());
            }
            List<String> runIds = List.of(g.path("runs").path(0).get("id").asText(), g.path("runs").path(1).get("id").asText());
            assertTrue(runIds.contains(deliveries.get(0).idempotencyKey()) && runIds.contains(deliveries.get(1)
                    .idempotencyKey()), "idempotency keys are the run ids: " + deliveries + " " + runIds);
            assertNotEquals(deliveries.get(0).idempotencyKey(), deliveries.get(1).idempotencyKey());

            // Refused before anything is stored.
            HttpResponse<String> outside = n.post("/v1/sessions/" + id + "/schedules", "{\"delay_seconds\":5,\"action\":"
                    + "{\"type\":\"webhook\",\"url\":\"http://127.0.0.1:9/elsewhere\",\"payload\":{}}}");
            assertEquals(400, outside.statusCode(), outside.body());
            assertTrue(outside.body().contains("url_not_allowed"), outside.body());
            HttpResponse<String> never = n.post("/v1/sessions/" + id + "/schedules", "{\"cron\":\"0 0 30 2 *\","
                    + "\"action\":{\"type\":\"webhook\",\"url\":\"" + hooks() + "x\",\"payload\":{}}}");
            assertEquals(400, never.statusCode(), never.body());
            assertEquals(404, n.post("/v1/sessions/nope/schedules", "{\"delay_seconds\":5,\"action\":{\"type\":"
                    + "\"webhook\",\"url\":\"" + hooks() + "x\",\"payload\":{}}}").statusCode());
            assertEquals(1, get(n, "/v1/sessions/" + id + "/schedules").path("data").size());

            // Deleting the session deletes its schedules.
            assertEquals(200, n.client.send(HttpRequest.newBuilder(n.uri("/v1/sessions/" + id)).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(404, n.get(path).statusCode());
        }
    }

    @Test
    void shouldRunAScheduleMissedDuringDowntimeOnceAtStart() throws Exception {
        long due;
        String sid;
        try (TestNode n = node("run_once")) {
            String id = session(n);
            due = System.currentTimeMillis() + 1500;
            sid = schedule(n, id, "{\"at\":\"" + Instant.ofEpochMilli(due) + "\",\"action\":{\"type\":\"webhook\","
                    + "\"url\":\"" + hooks() + "once\",\"payload\":{\"remind\":true}}}").get("id").asText();
        } // the node stops before the schedule is due
        Eventually.until(Duration.ofSeconds(10), "the due time passed while the node was down",
                () -> System.currentTimeMillis() > due + 200);
        assertEquals(0, deliveries.size());
        try (TestNode n = node("run_once")) {
            Eventually.until(Duration.ofSeconds(10), "the missed run delivered at start", () -> deliveries.size() == 1);
            assertEquals(sid, deliveries.getFirst().scheduleId());
        }
    }

    @Test
    void shouldSkipAMissedScheduleWhenToldTo() throws Exception {
        long due;
        String path;
        try (TestNode n = node("skip")) {
            String id = session(n);
            due = System.currentTimeMillis() + 1500;
            String sid = schedule(n, id, "{\"at\":\"" + Instant.ofEpochMilli(due) + "\",\"action\":{\"type\":"
                    + "\"webhook\",\"url\":\"" + hooks() + "skip\",\"payload\":{}}}").get("id").asText();
            path = "/v1/sessions/" + id + "/schedules/" + sid;
        }
        Eventually.until(Duration.ofSeconds(10), "the due time passed while the node was down",
                () -> System.currentTimeMillis() > due + 200);
        try (TestNode n = node("skip")) {
            Eventually.until(Duration.ofSeconds(10), "the missed run recorded as skipped", () -> {
                try {
                    return get(n, path).path("runs").path(0).path("outcome").asText().equals("skipped");
                } catch (Exception e) {
                    return false;
                }
            });
            assertEquals(0, deliveries.size());
        }
    }
}
