package io.edgenode.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.bench.common.FakeEndpoint;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Endpoints that stall, fail or refuse: every run ends within its timeouts and the report says why. */
class LoadHarnessFailureTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @TempDir
    Path out;

    /** Runs the command with short timeouts ({@code extra}: option, value pairs that replace the defaults); returns its exit status. */
    private int bench(String url, String... extra) {
        java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
        String[] defaults = {"--url", url, "--model", "m", "--concurrency", "1,2", "--requests", "3", "--max-tokens", "4",
                "--warmup", "0", "--response-timeout", "1", "--idle-timeout", "1", "--request-timeout", "5",
                "--out", out.toString()};
        for (int i = 0; i < defaults.length; i += 2) {
            options.put(defaults[i], defaults[i + 1]);
        }
        for (int i = 0; i < extra.length; i += 2) {
            options.put(extra[i], extra[i + 1]);
        }
        List<String> args = new java.util.ArrayList<>();
        options.forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        return LoadBenchMain.run(new PrintStream(log, true, StandardCharsets.UTF_8), args.toArray(String[]::new));
    }

    private JsonNode report() throws Exception {
        return JSON.readTree(out.resolve(LoadReport.JSON).toFile());
    }

    @Test
    void shouldReportTimeoutsWhenTheEndpointNeverAnswers() throws Exception {
        try (FakeEndpoint stall = new FakeEndpoint((x, body) -> stallUntilReleased(x))) {
            int status = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> bench(stall.url()));
            assertEquals(1, status, log.toString());
        }
        JsonNode results = report().path("results");
        assertEquals(2, results.size());
        for (JsonNode level : results) {
            assertEquals(3, level.path("requests").asInt());
            assertEquals(0, level.path("ok").asInt());
            assertEquals(3, level.path("errors").path("timeout").asInt(), level.toString());
            assertEquals(0, level.path("ttft_ms").path("count").asInt());
            assertTrue(level.path("ttft_ms").path("p50").isNull(), "no figure is null, not NaN");
        }
        assertTrue(Files.readString(out.resolve(LoadReport.MARKDOWN)).contains("timeout 3"));
    }

    @Test
    void shouldReportTimeoutsWhenAStreamStopsHalfway() throws Exception {
        try (FakeEndpoint stall = new FakeEndpoint((x, body) -> {
            OutputStream os = FakeEndpoint.openStream(x);
            os.write("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n".getBytes(StandardCharsets.UTF_8));
            os.flush();
            Thread.sleep(60_000); // then nothing: the server's shutdownNow interrupts this at the end
        })) {
            int status = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> bench(stall.url()));
            assertEquals(1, status);
        }
        for (JsonNode level : report().path("results")) {
            assertEquals(3, level.path("errors").path("timeout").asInt(), level.toString());
            assertTrue(level.path("error_samples").path("timeout").asText().contains("stalled"), level.toString());
        }
    }

    @Test
    void shouldNotTimeOutAStreamThatKeepsSendingPastTheResponseTimeout() throws Exception {
        try (FakeEndpoint slow = new FakeEndpoint((x, body) -> {
            OutputStream os = FakeEndpoint.openStream(x);
            String[] events = FakeEndpoint.sse(4, true, 10).split("(?<=\n\n)");
            for (String e : events) {
                os.write(e.getBytes(StandardCharsets.UTF_8));
                os.flush();
                Thread.sleep(400); // 6 events: 2.4 s in all, each gap within the 1 s idle bound
            }
        })) {
            assertEquals(0, bench(slow.url(), "--concurrency", "1", "--requests", "1", "--request-timeout", "20"),
                    log.toString());
        }
        JsonNode level = report().path("results").get(0);
        assertEquals(1, level.path("ok").asInt(), level.toString());
        assertTrue(level.path("e2e_ms").path("p50").asDouble() > 2000, "the response timeout covers the headers only");
    }

    @Test
    void shouldCountHttpErrorsByStatus() throws Exception {
        AtomicInteger n = new AtomicInteger();
        try (FakeEndpoint failing = new FakeEndpoint((x, body) -> {
            boolean overloaded = n.getAndIncrement() % 2 == 0;
            FakeEndpoint.send(x, overloaded ? 429 : 500, "application/json",
                    "{\"error\":{\"message\":\"" + (overloaded ? "busy" : "boom") + "\",\"type\":\"x\"}}");
        })) {
            assertEquals(1, assertTimeoutPreemptively(Duration.ofSeconds(60), () -> bench(failing.url())));
        }
        int e429 = 0;
        int e500 = 0;
        for (JsonNode level : report().path("results")) {
            assertEquals(3, level.path("requests").asInt());
            e429 += level.path("errors").path("http_429").asInt();
            e500 += level.path("errors").path("http_500").asInt();
        }
        assertEquals(6, e429 + e500);
        assertTrue(e429 > 0 && e500 > 0, "both kinds counted: " + e429 + " " + e500);
        String sample = report().path("results").get(0).path("error_samples").toString();
        assertTrue(sample.contains("busy") || sample.contains("boom"), "the error body is quoted: " + sample);
    }

    @Test
    void shouldReportRefusedConnections() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertEquals(1, assertTimeoutPreemptively(Duration.ofSeconds(60), () -> bench("http://127.0.0.1:" + port)));
        for (JsonNode level : report().path("results")) {
            assertEquals(3, level.path("errors").path("connect").asInt(), level.toString());
        }
    }

    @Test
    void shouldCountContentChunksWhenTheEndpointReportsNoUsage() throws Exception {
        try (FakeEndpoint noUsage = new FakeEndpoint((x, body) ->
                FakeEndpoint.send(x, 200, "text/event-stream", FakeEndpoint.sse(4, false, 0)))) {
            assertEquals(0, bench(noUsage.url()), log.toString());
        }
        for (JsonNode level : report().path("results")) {
            assertEquals(3, level.path("ok").asInt());
            assertEquals(4.0, level.path("completion_tokens_mean").asDouble());
            assertEquals(3 * 3, level.path("itl_ms").path("count").asInt(), "3 gaps between 4 chunks per request");
        }
        JsonNode ep = report().path("endpoints").get(0);
        assertFalse(ep.path("prompt").path("calibrated").asBoolean(), "no usage: prompt not calibrated");
        for (String line : Files.readAllLines(out.resolve(LoadReport.REQUESTS))) {
            JsonNode r = JSON.readTree(line);
            assertFalse(r.path("tokens_from_usage").asBoolean());
            assertTrue(r.path("prompt_tokens").isNull());
        }
    }

    @Test
    void shouldSendOnlyTheNewMessageWithASessionIdWhenTheEndpointHasSessions() throws Exception {
        AtomicInteger sessions = new AtomicInteger();
        try (FakeEndpoint withSessions = new FakeEndpoint((x, body) -> {
            String path = x.getRequestURI().getPath();
            if (path.equals("/v1/sessions") && x.getRequestMethod().equals("POST")) {
                FakeEndpoint.send(x, 201, "application/json", "{\"id\":\"s" + sessions.incrementAndGet() + "\"}");
            } else if (path.startsWith("/v1/sessions/")) {
                FakeEndpoint.send(x, 200, "application/json", "{\"deleted\":true}");
            } else {
                FakeEndpoint.send(x, 200, "text/event-stream", FakeEndpoint.sse(4, true, 20));
            }
        })) {
            assertEquals(0, bench(withSessions.url(), "--turns", "3", "--system-prompt-ratio", "0.5"), log.toString());
            List<String> chats = withSessions.requests.stream().filter(r -> r.startsWith("POST /v1/chat/completions"))
                    .filter(r -> r.contains("session_id")).toList();
            // c=1 and c=2, 3 requests each: one conversation of 3 turns per level
            assertEquals(6, chats.size(), withSessions.requests.toString());
            for (String c : chats) {
                JsonNode body = JSON.readTree(c.substring(c.indexOf('{')));
                assertEquals(1, body.path("messages").size(), "only the new user message: " + c);
                assertEquals("user", body.path("messages").get(0).path("role").asText());
                assertTrue(body.path("ignore_eos").asBoolean());
                assertEquals(4, body.path("max_tokens").asInt());
            }
            long created = withSessions.requests.stream().filter(r -> r.startsWith("POST /v1/sessions")).count();
            long deleted = withSessions.requests.stream().filter(r -> r.startsWith("DELETE /v1/sessions/")).count();
            assertEquals(created, deleted, "every session is deleted");
            assertTrue(withSessions.requests.stream().filter(r -> r.startsWith("POST /v1/sessions"))
                    .allMatch(r -> r.contains("system_prompt")), "the shared system prompt goes to the session");
        }
        JsonNode report = report();
        assertTrue(report.path("endpoints").get(0).path("sessions").asBoolean());
        JsonNode turns = report.path("results").get(0).path("turns");
        assertEquals(3, turns.size());
        assertEquals(3.0, turns.get(2).path("cached_tokens_mean").asDouble());
        assertTrue(Files.isRegularFile(out.resolve(Charts.TTFT_PER_TURN)));
    }

    /** Never answers: the handler sleeps until the test closes the server (shutdownNow interrupts it). */
    private static void stallUntilReleased(com.sun.net.httpserver.HttpExchange x) throws InterruptedException {
        Thread.sleep(60_000);
    }
}
