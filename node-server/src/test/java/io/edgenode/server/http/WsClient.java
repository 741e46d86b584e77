package io.edgenode.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A session WebSocket client for tests (java.net.http): every message parsed, kept in order. */
final class WsClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    WebSocket socket;
    // Made before the connection: messages can arrive before buildAsync completes.
    final LinkedBlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
    final List<JsonNode> all = java.util.Collections.synchronizedList(new ArrayList<>());
    final CompletableFuture<Integer> closed = new CompletableFuture<>();

    private WsClient() {}

    static WsClient connect(TestNode n, String sessionId) throws Exception {
        return connectTo(n, "/v1/sessions/" + sessionId + "/ws");
    }

    static WsClient connectTo(TestNode n, String pathAndQuery) throws Exception {
        WsClient c = new WsClient();
        StringBuilder partial = new StringBuilder();
        WebSocket.Listener listener = new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    try {
                        JsonNode m = JSON.readTree(partial.toString());
                        c.all.add(m);
                        c.inbox.add(m);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    partial.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                c.closed.complete(statusCode);
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                c.closed.complete(-1);
            }
        };
        c.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://127.0.0.1:" + n.node.port() + pathAndQuery), listener)
                .get(10, TimeUnit.SECONDS);
        return c;
    }

    void send(String json) throws Exception {
        socket.sendText(json, true).get(10, TimeUnit.SECONDS);
    }

    /** The next message matching {@code p} (earlier non-matching ones are skipped), within 60 s. */
    JsonNode next(Predicate<JsonNode> p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            JsonNode m = inbox.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (m == null) {
                throw new AssertionError("no matching message within 60 s; got " + all);
            }
            if (p.test(m)) {
                return m;
            }
        }
    }

    JsonNode next(String type) throws InterruptedException {
        return next(m -> type.equals(m.path("type").asText()));
    }

    /** Messages of turn {@code turn}, from turn.started to its end, as received. */
    List<JsonNode> turn(int turn) throws InterruptedException {
        List<JsonNode> out = new ArrayList<>();
        next(m -> m.path("type").asText().equals("turn.started") && m.path("turn").asInt() == turn);
        while (true) {
            JsonNode m = next(x -> x.path("type").asText().startsWith("turn.") && x.path("turn").asInt() == turn);
            out.add(m);
            String t = m.path("type").asText();
            if (t.equals("turn.finished") || t.equals("turn.failed")) {
                return out;
            }
        }
    }

    /** The content text of a turn's delta messages. */
    static String text(List<JsonNode> messages) {
        StringBuilder b = new StringBuilder();
        for (JsonNode m : messages) {
            if (m.path("type").asText().equals("turn.delta")) {
                b.append(m.path("chunk").path("choices").path(0).path("delta").path("content").asText(""));
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        socket.abort();
    }
}
