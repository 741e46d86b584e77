package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.server.session.SessionSettings;
import io.edgenode.server.testing.Eventually;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Live sessions on a real node: WebSocket clients, resumable turn streams, the disconnect grace. */
@Timeout(180)
class LiveSessionsHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    private TestNode node(String live) throws Exception {
        return new TestNode(TestNode.tinyModel("demo", 2, 8192, 16), live.isEmpty() ? "" : "  live:\n" + live,
                SessionSettings.defaults(dataDir));
    }

    private static String session(TestNode n) throws Exception {
        HttpResponse<String> r = n.post("/v1/sessions", "{\"model\":\"demo\"}");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    private static String turnBody(String sessionId, String text, int maxTokens, boolean stream) {
        return "{\"model\":\"demo\",\"session_id\":\"" + sessionId + "\",\"max_tokens\":" + maxTokens
                + ",\"temperature\":0,\"ignore_eos\":true,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    private static JsonNode stored(TestNode n, String sessionId) throws Exception {
        HttpResponse<String> r = n.get("/v1/sessions/" + sessionId);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** One SSE event: its id (or null) and data. */
    record Sse(String id, String data) {}

    /** Reads SSE events until {@code [DONE]} or {@code stopAfter} events (then returns, leaving the stream open). */
    private static List<Sse> readEvents(BufferedReader in, int stopAfter) throws Exception {
        List<Sse> out = new ArrayList<>();
        String id = null;
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("id: ")) {
                id = line.substring(4);
            } else if (line.startsWith("data: ")) {
                out.add(new Sse(id, line.substring(6)));
                id = null;
                if (line.equals("data: [DONE]") || out.size() >= stopAfter) {
                    return out;
                }
            }
        }
        return out;
    }

    private static String content(List<Sse> events) throws Exception {
        StringBuilder b = new StringBuilder();
        for (Sse e : events) {
            if (!e.data().startsWith("{")) {
                continue;
            }
            b.append(JSON.readTree(e.data()).path("choices").path(0).path("delta").path("content").asText(""));
        }
        return b.toString();
    }

    @Test
    void shouldShowOneTurnIdenticallyToEveryClientWhoeverSentIt() throws Exception {
        try (TestNode n = node(""); ) {
            String id = session(n);
            try (WsClient a = WsClient.connect(n, id); WsClient b = WsClient.connect(n, id)) {
                JsonNode hello = a.next("hello");
                assertEquals(id, hello.get("session_id").asText());
                assertEquals(0, hello.get("turn_count").asInt());
                b.next("hello");
                Eventually.until(Duration.ofSeconds(10), "both clients present",
                        () -> a.all.stream().anyMatch(m -> m.path("clients").asInt() == 2));

                // A third client sends the turn over HTTP, streamed: its events carry ids.
                HttpResponse<InputStream> r = n.client.send(HttpRequest.newBuilder(n.uri("/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(turnBody(id, "hello there", 40, true))).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, r.statusCode());
                List<Sse> sse;
                try (var in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    sse = readEvents(in, Integer.MAX_VALUE);
                }
                assertEquals("data: [DONE]".substring(6), sse.getLast().data());
                assertTrue(sse.stream().filter(e -> e.data().startsWith("{")).allMatch(e -> e.id() != null
                        && e.id().startsWith("0:")), "every chunk of a session turn has an event id: " + sse);

                List<JsonNode> ta = a.turn(0);
                List<JsonNode> tb = b.turn(0);
                assertEquals(ta, tb, "both clients saw the same messages");
                String text = WsClient.text(ta);
                assertEquals(content(sse), text, "the WebSocket clients saw what the sender saw: " + ta);
                JsonNode finished = ta.getLast();
                assertEquals("turn.finished", finished.get("type").asText());
                assertEquals(40, finished.path("usage").path("completion_tokens").asInt());
                assertEquals(text, stored(n, id).path("turns").path(0).path("reply").path("content").asText());

                // A turn sent over the WebSocket reaches everyone, the sender too, and is stored.
                b.send("{\"type\":\"turn\",\"ref\":\"t1\",\"max_tokens\":24,\"temperature\":0,\"ignore_eos\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"and again\"}]}");
                List<JsonNode> wb = b.turn(1);
                List<JsonNode> wa = a.turn(1);
                assertEquals(wa, wb);
                assertEquals("ws", a.all.stream().filter(m -> m.path("type").asText().equals("turn.started")
                        && m.path("turn").asInt() == 1).findFirst().orElseThrow().path("source").asText());
                assertEquals("turn.finished", wa.getLast().get("type").asText());
                Eventually.until(Duration.ofSeconds(10), "the WebSocket turn stored", () -> {
                    try {
                        return stored(n, id).path("turns").size() == 2;
                    } catch (Exception e) {
                        return false;
                    }
                });
                assertEquals(WsClient.text(wa), stored(n, id).path("turns").path(1).path("reply").path("content").asText());

                // A bad message is answered, the connection stays.
                a.send("{\"type\":\"dance\",\"ref\":\"x\"}");
                JsonNode err = a.next("error");
                assertEquals("x", err.get("ref").asText());
                a.send("not json");
                assertEquals("invalid_request_error", a.next("error").path("error").path("type").asText());
                a.send("{\"type\":\"ping\",\"ref\":\"p\"}");
                assertEquals("p", a.next("pong").get("ref").asText());
            }
        }
    }

    @Test
    void shouldCancelTheRunningTurnFromAWebSocketAndStoreNothing() throws Exception {
        try (TestNode n = node("")) {
            String id = session(n);
            try (WsClient a = WsClient.connect(n, id)) {
                a.next("hello");
                CompletableFuture<HttpResponse<String>> sent = n.client.sendAsync(HttpRequest.newBuilder(
                        n.uri("/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString(
                                turnBody(id, "a long one", 3000, true))).build(), HttpResponse.BodyHandlers.ofString());
                a.next("turn.delta");
                a.send("{\"type\":\"cancel\"}");
                JsonNode failed = a.next(m -> m.path("type").asText().equals("turn.failed"));
                assertEquals("turn_cancelled", failed.path("error").path("code").asText());
                HttpResponse<String> r = sent.get(60, TimeUnit.SECONDS);
                assertTrue(r.body().contains("turn_cancelled"), r.body());
                assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
                Eventually.until(Duration.ofSeconds(10), "the sequence released",
                        () -> n.host.loaded("demo").orElseThrow().engine().metrics().activeSequences() == 0);
                assertEquals(0, stored(n, id).path("turns").size(), "a cancelled turn stores nothing");
                a.send("{\"type\":\"cancel\"}");
                assertEquals("no_running_turn", a.next("error").path("error").path("code").asText());
            }
        }
    }

    @Test
    void shouldResumeADisconnectedTurnExactlyOnceAndStoreIt() throws Exception {
        try (TestNode n = node("")) {
            String id = session(n);
            // The sender reads a few events, then its connection drops mid-turn.
            List<Sse> first;
            try (Socket s = new Socket("127.0.0.1", n.node.port())) {
                byte[] body = turnBody(id, "tell me more", 1500, true).getBytes(StandardCharsets.UTF_8);
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                first = readEvents(in, 6);
            }
            String lastId = first.getLast().id();
            assertTrue(lastId != null && lastId.startsWith("0:"), "events have ids: " + first);

            // The turn goes on without its client and is stored.
            HttpResponse<InputStream> r = n.client.send(HttpRequest.newBuilder(n.uri("/v1/sessions/" + id
                    + "/turns/0/stream")).header("Last-Event-ID", lastId).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            List<Sse> rest;
            try (var in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                rest = readEvents(in, Integer.MAX_VALUE);
            }
            assertEquals("[DONE]", rest.getLast().data());
            int lastSeq = Integer.parseInt(lastId.substring(2));
            assertEquals("0:" + (lastSeq + 1), rest.getFirst().id(), "resumed right after the last event seen");
            Eventually.until(Duration.ofSeconds(30), "the turn stored", () -> {
                try {
                    return stored(n, id).path("turns").size() == 1;
                } catch (Exception e) {
                    return false;
                }
            });
            String reply = stored(n, id).path("turns").path(0).path("reply").path("content").asText();
            assertEquals(reply, content(first) + content(rest), "the whole text, exactly once");
            assertEquals(1500, stored(n, id).path("turns").path(0).path("usage").path("completion_tokens").asInt());

            // The same from the start, and the errors.
            HttpResponse<String> all = n.get("/v1/sessions/" + id + "/turns/0/stream");
            assertTrue(all.body().endsWith("data: [DONE]\n\n"));
            assertEquals(400, n.client.send(HttpRequest.newBuilder(n.uri("/v1/sessions/" + id + "/turns/0/stream"))
                    .header("Last-Event-ID", "7:1").GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(404, n.get("/v1/sessions/" + id + "/turns/5/stream").statusCode());
            assertEquals(404, n.get("/v1/sessions/nope/turns/0/stream").statusCode());
        }
    }

    @Test
    void shouldCancelATurnNobodyWatchesAfterTheGrace() throws Exception {
        try (TestNode n = node("    disconnect_grace: 200ms\n")) {
            String id = session(n);
            try (Socket s = new Socket("127.0.0.1", n.node.port())) {
                byte[] body = turnBody(id, "endless", 3500, true).getBytes(StandardCharsets.UTF_8);
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                readEvents(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)), 3);
            }
            // Nobody watches (a resumed stream would): the turn ends well before its 3,500 tokens.
            Eventually.until(Duration.ofSeconds(30), "the turn ended",
                    () -> n.host.loaded("demo").orElseThrow().engine().metrics().activeSequences() == 0);
            HttpResponse<String> r = n.get("/v1/sessions/" + id + "/turns/0/stream");
            assertTrue(r.body().contains("turn_cancelled"), "cancelled after the grace: " + r.body());
            assertEquals(0, stored(n, id).path("turns").size());
        }
    }

    @Test
    void shouldDropASlowClientWithoutSlowingTheOthers() throws Exception {
        try (TestNode n = node("    max_client_lag: 1500\n")) {
            String id = session(n);
            try (WsClient fast = WsClient.connect(n, id); Socket slow = rawSocket(n, id)) {
                fast.next("hello");
                Eventually.until(Duration.ofSeconds(10), "both present",
                        () -> fast.all.stream().anyMatch(m -> m.path("clients").asInt() == 2));
                HttpResponse<String> r = n.post("/v1/chat/completions", turnBody(id, "flood", 4000, false));
                assertEquals(200, r.statusCode(), r.body());
                List<JsonNode> t = fast.turn(0);
                assertEquals("turn.finished", t.getLast().get("type").asText());
                assertEquals(4000, t.getLast().path("usage").path("completion_tokens").asInt());
                Eventually.until(Duration.ofSeconds(10), "the slow client dropped",
                        () -> fast.all.stream().anyMatch(m -> m.path("type").asText().equals("presence")
                                && m.path("clients").asInt() == 1));
            }
        }
    }

    /** A WebSocket that completes its handshake and then never reads, with a tiny receive window. */
    private static Socket rawSocket(TestNode n, String id) throws Exception {
        Socket s = new Socket();
        s.setReceiveBufferSize(2048);
        s.connect(new java.net.InetSocketAddress("127.0.0.1", n.node.port()));
        String key = Base64.getEncoder().encodeToString("0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().write(("GET /v1/sessions/" + id + "/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            assertFalse(c < 0, "handshake answered");
            head.append((char) c);
        }
        assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
        return s;
    }

    @Test
    void shouldBroadcastEveryStateChangeAndRefuseAStaleVersion() throws Exception {
        try (TestNode n = node("")) {
            String id = session(n);
            try (WsClient a = WsClient.connect(n, id); WsClient b = WsClient.connect(n, id)) {
                a.next("hello");
                b.next("hello");
                // Over HTTP: both clients hear it.
                HttpResponse<String> put = n.client.send(HttpRequest.newBuilder(n.uri("/v1/sessions/" + id + "/state"))
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"cart\":[\"tea\"],\"user\":{\"name\":\"Ada\"}}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, put.statusCode(), put.body());
                for (WsClient c : List.of(a, b)) {
                    JsonNode st = c.next("state");
                    assertEquals(1, st.get("version").asInt());
                    assertEquals("Ada", st.path("state").path("user").path("name").asText());
                }
                // Over the WebSocket: a merge patch, broadcast to everyone, the sender too.
                a.send("{\"type\":\"state.patch\",\"version\":1,\"patch\":{\"user\":{\"name\":null},\"n\":2}}");
                for (WsClient c : List.of(a, b)) {
                    JsonNode st = c.next("state");
                    assertEquals(2, st.get("version").asInt());
                    assertEquals("{\"cart\":[\"tea\"],\"user\":{},\"n\":2}", st.get("state").toString());
                }
                // A stale version: 409 to the sender only, nothing written.
                b.send("{\"type\":\"state.set\",\"ref\":\"s1\",\"version\":1,\"state\":{\"x\":1}}");
                JsonNode err = b.next("error");
                assertEquals("s1", err.get("ref").asText());
                assertEquals("state_version_conflict", err.path("error").path("code").asText());
                HttpResponse<String> stale = n.client.send(HttpRequest.newBuilder(n.uri("/v1/sessions/" + id + "/state"))
                        .header("If-Match", "\"1\"").method("PATCH", HttpRequest.BodyPublishers.ofString("{\"x\":1}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(409, stale.statusCode(), stale.body());
                assertEquals(2, JSON.readTree(n.get("/v1/sessions/" + id + "/state").body()).get("version").asInt());
                // A new client's hello carries the state.
                try (WsClient c = WsClient.connect(n, id)) {
                    assertEquals(2, c.next("hello").path("state").path("version").asInt());
                }
                // Deleting the session disconnects its clients.
                assertEquals(200, n.client.send(HttpRequest.newBuilder(n.uri("/v1/sessions/" + id)).DELETE().build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode());
                assertEquals(4404, a.closed.get(10, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void shouldResumeATurnOnANewSocketAfterItsLastEvent() throws Exception {
        try (TestNode n = node("")) {
            String id = session(n);
            List<JsonNode> whole;
            try (WsClient a = WsClient.connect(n, id)) {
                a.next("hello");
                assertEquals(200, n.post("/v1/chat/completions", turnBody(id, "count", 30, false)).statusCode());
                whole = a.turn(0);
            }
            String seen = whole.get(5).get("event_id").asText(); // the client saw up to here, then lost the socket
            try (WsClient b = WsClient.connectTo(n, "/v1/sessions/" + id + "/ws?last_event_id=" + seen)) {
                List<JsonNode> rest = new ArrayList<>();
                for (JsonNode m; !(m = b.next(x -> x.path("type").asText().startsWith("turn."))).path("type").asText()
                        .equals("turn.finished"); ) {
                    rest.add(m);
                }
                int seq = Integer.parseInt(seen.substring(2));
                assertEquals("0:" + (seq + 1), rest.getFirst().get("event_id").asText(), "right after the last one seen");
                assertEquals(whole.subList(6, whole.size() - 1), rest, "exactly the events missed");
            }
            String status = upgradeStatus(n, "/v1/sessions/" + id + "/ws?last_event_id=banana");
            assertTrue(status.startsWith("HTTP/1.1 400"), status);
        }
    }

    @Test
    void shouldKeepAnsweringClientsAliveAndCloseSilentOnes() throws Exception {
        try (TestNode n = node("    ping_interval: 200ms\n")) {
            String id = session(n);
            try (WsClient answering = WsClient.connect(n, id); Socket silent = rawSocket(n, id)) {
                answering.next("hello");
                silent.setSoTimeout(10_000);
                InputStream in = silent.getInputStream();
                // The silent client is pinged, then closed with 4001 after two silent intervals.
                int closeCode = -1;
                while (closeCode < 0) {
                    int b0 = in.read();
                    assertTrue(b0 >= 0, "a close frame before the end of the stream");
                    int len = in.read() & 0x7f;
                    if (len == 126) {
                        len = (in.read() << 8) | in.read();
                    } else if (len == 127) {
                        len = (int) java.nio.ByteBuffer.wrap(in.readNBytes(8)).getLong();
                    }
                    byte[] payload = in.readNBytes(len);
                    if ((b0 & 0x0f) == 0x8) {
                        closeCode = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
                    }
                }
                assertEquals(4001, closeCode);
                // The java.net.http client answers the pings: still connected, still served.
                answering.send("{\"type\":\"ping\",\"ref\":\"still\"}");
                assertEquals("still", answering.next("pong").get("ref").asText());
                assertFalse(answering.closed.isDone());
            }
        }
    }

    @Test
    void shouldAuthenticateSocketsLikeHttp() throws Exception {
        try (TestNode n = TestNode.withGateway(TestNode.tinyModel("demo", 2, 8192, 16), "", dataDir.resolve("gw"),
                SessionSettings.defaults(dataDir))) {
            var key = n.gateway.keys().create("app", io.edgenode.server.gateway.KeyScopes.DEFAULT,
                    io.edgenode.server.gateway.KeyLimits.NONE);
            HttpResponse<String> created = n.client.send(HttpRequest.newBuilder(n.uri("/v1/sessions"))
                    .header("Authorization", "Bearer " + key.secret())
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, created.statusCode(), created.body());
            String id = JSON.readTree(created.body()).get("id").asText();
            assertEquals("HTTP/1.1 401 Unauthorized", upgradeStatus(n, "/v1/sessions/" + id + "/ws"));
            assertEquals("HTTP/1.1 401 Unauthorized", upgradeStatus(n, "/v1/sessions/" + id + "/ws?api_key=en_nope_x"));
            try (WsClient c = WsClient.connectTo(n, "/v1/sessions/" + id + "/ws?api_key=" + key.secret())) {
                assertEquals(id, c.next("hello").get("session_id").asText());
                c.send("{\"type\":\"turn\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
                assertEquals("turn.finished", c.turn(0).getLast().get("type").asText());
            }
        }
    }

    @Test
    void shouldLimitClientsPerSessionAndMessageSize() throws Exception {
        try (TestNode n = node("    max_clients_per_session: 1\n    max_message_bytes: 2KiB\n")) {
            String id = session(n);
            try (WsClient a = WsClient.connect(n, id); WsClient b = WsClient.connect(n, id)) {
                a.next("hello");
                assertEquals(1013, b.closed.get(10, TimeUnit.SECONDS), "a full session refuses the next client");
                a.send("{\"type\":\"ping\",\"ref\":\"" + "x".repeat(4096) + "\"}");
                assertEquals(1009, a.closed.get(10, TimeUnit.SECONDS), "a message over the limit closes the socket");
            }
            try (WsClient c = WsClient.connect(n, id)) {
                assertEquals(1, c.next("hello").get("clients").asInt(), "the place is free again");
            }
        }
    }

    @Test
    void shouldBoundTheWorkOneSocketMayHaveWaiting() throws Exception {
        try (TestNode n = node("")) {
            String id = session(n);
            try (WsClient a = WsClient.connect(n, id)) {
                a.next("hello");
                // The first turn runs, the next ones wait at the session's gate: each holds a place.
                for (int i = 0; i < LiveSocket.MAX_IN_FLIGHT + 2; i++) {
                    a.send("{\"type\":\"turn\",\"ref\":\"t" + i + "\",\"max_tokens\":2000,\"ignore_eos\":true,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}");
                }
                JsonNode refused = a.next(m -> m.path("type").asText().equals("error"));
                assertEquals("too_many_in_flight", refused.path("error").path("code").asText(), refused.toString());
                a.send("{\"type\":\"cancel\"}");
            }
        }
    }

    private static String upgradeStatus(TestNode n, String pathAndQuery) throws Exception {
        try (Socket s = new Socket("127.0.0.1", n.node.port())) {
            s.getOutputStream().write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    @Test
    void shouldRefuseWebSocketsOfUnknownSessionsAndPlainRequests() throws Exception {
        try (TestNode n = node("")) {
            try (Socket s = new Socket("127.0.0.1", n.node.port())) {
                s.getOutputStream().write(("GET /v1/sessions/nope/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine();
                assertTrue(status.startsWith("HTTP/1.1 404"), status);
            }
            String id = session(n);
            assertEquals(400, n.get("/v1/sessions/" + id + "/ws").statusCode());
        }
    }
}
