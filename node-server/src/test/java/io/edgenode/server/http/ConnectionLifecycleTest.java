package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.server.testing.Eventually;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a connection holds and for how long, on a real node (real sockets, real llama.cpp): a
 * long-lived keep-alive connection keeps nothing of its finished requests, and clients that
 * trickle their request or sit idle are closed, with short limits set in models.yaml.
 */
@Timeout(120)
class ConnectionLifecycleTest {
    static final ConcurrentLinkedQueue<WeakReference<HttpExchange>> EXCHANGES = new ConcurrentLinkedQueue<>();
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = new TestNode(TestNode.tinyModel("tiny", 2, 1024, 8),
                "  connections: {header_timeout: 1s, body_timeout: 1s, idle_timeout: 2s}\n");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static byte[] post(String path, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return ("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }

    /** Reads one response (Content-Length or chunked) and returns its status line and body. */
    static String[] readResponse(InputStream in) throws IOException {
        String status = line(in);
        int length = -1;
        boolean chunked = false;
        for (String h; !(h = line(in)).isEmpty(); ) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(lower.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (int n; (n = Integer.parseInt(line(in).trim(), 16)) > 0; ) {
                body.write(in.readNBytes(n));
                line(in);
            }
            line(in);
        } else if (length >= 0) {
            body.write(in.readNBytes(length));
        }
        return new String[] {status, body.toString(StandardCharsets.UTF_8)};
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed after: " + sb);
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    @Test
    void shouldLeaveNoFinishedExchangeReachableWhileTheConnectionStaysOpen() throws Exception {
        int requests = 120;
        // Default limits: the connection must outlive the wait for the collector (idle timeout 75 s).
        try (TestNode observed = new TestNode(TestNode.tinyModel("tiny", 2, 1024, 8), "", null,
                ex -> EXCHANGES.add(new WeakReference<>(ex)));
                Socket s = new Socket("127.0.0.1", observed.node.port())) {
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());
            for (int i = 0; i < requests; i++) {
                boolean stream = i % 2 == 1;
                out.write(post("/v1/chat/completions", HttpNodeTest.chat(stream, 4, "")));
                out.flush();
                String[] r = readResponse(in);
                assertTrue(r[0].contains(" 200 "), r[0] + " " + r[1]);
            }
            assertEquals(requests, EXCHANGES.size(), "every exchange observed");
            // The connection is still open: a per-exchange listener on it would keep them all reachable.
            Eventually.until(Duration.ofSeconds(20), "finished exchanges collected", System::gc,
                    () -> EXCHANGES.stream().allMatch(w -> w.get() == null));
            out.write(post("/v1/chat/completions", HttpNodeTest.chat(false, 2, "")));
            out.flush();
            assertTrue(readResponse(in)[0].contains(" 200 "), "the connection still serves");
        }
    }

    @Test
    void shouldCloseClientsThatStallInTheirBody() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                Socket s = new Socket("127.0.0.1", node.node.port());
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
                        .getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
                slow.add(s);
            }
            long t0 = System.nanoTime();
            for (Socket s : slow) {
                String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // until closed
                assertTrue(all.startsWith("HTTP/1.1 408"), all);
                assertTrue(all.contains("request_timeout"), all);
            }
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(8).toNanos(), "closed after the 1 s body timeout");
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    @Test
    void shouldCloseAClientThatTricklesItsHeaders() throws Exception {
        try (Socket s = new Socket("127.0.0.1", node.node.port())) {
            s.setSoTimeout(200);
            OutputStream out = s.getOutputStream();
            byte[] head = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                    .getBytes(StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            int closedAt = -1;
            for (int i = 0; i < head.length && closedAt < 0; i++) {
                try {
                    out.write(head[i]); // one byte every 200 ms: never silent, never done
                    out.flush();
                    s.getInputStream().read(); // a 408 or the end of the stream: the node gave up on us
                    closedAt = i;
                } catch (SocketTimeoutException stillOpen) {
                    // nothing to read yet
                } catch (IOException reset) {
                    closedAt = i;
                }
            }
            assertTrue(closedAt > 0, "closed while trickling");
            long took = System.nanoTime() - t0;
            assertTrue(took > Duration.ofMillis(800).toNanos() && took < Duration.ofSeconds(5).toNanos(),
                    "closed after the 1 s header timeout, took " + took / 1_000_000 + " ms");
        }
    }

    @Test
    void shouldCloseAnIdleKeepAliveConnectionButNotOneInUse() throws Exception {
        try (Socket idle = new Socket("127.0.0.1", node.node.port());
                Socket busy = new Socket("127.0.0.1", node.node.port())) {
            idle.setSoTimeout(10_000);
            OutputStream out = idle.getOutputStream();
            InputStream in = new BufferedInputStream(idle.getInputStream());
            out.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertTrue(readResponse(in)[0].contains(" 200 "));
            // The busy connection sends a request every 500 ms (below the 2 s idle timeout) for 4 s.
            OutputStream bout = busy.getOutputStream();
            InputStream bin = new BufferedInputStream(busy.getInputStream());
            long t0 = System.nanoTime();
            for (int i = 0; i < 8; i++) {
                bout.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.UTF_8));
                bout.flush();
                assertTrue(readResponse(bin)[0].contains(" 200 "), "request " + i + " on the busy connection");
                long wake = t0 + (i + 1) * 500_000_000L;
                Eventually.until(Duration.ofSeconds(2), "half a second passed", () -> System.nanoTime() >= wake);
            }
            assertEquals(-1, in.read(), "the idle connection was closed");
        }
    }
}
