package io.edgenode.bench.common;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A misbehaving (or minimal) OpenAI-compatible server on an ephemeral port, the JDK's HttpServer:
 * each test gives it a handler. {@link #close()} interrupts handlers still running (stalls). Shared
 * by the tests of every client in the benchmarks.
 */
public final class FakeEndpoint implements AutoCloseable {
    public interface Handler {
        void handle(HttpExchange x, String body) throws Exception;
    }

    public final List<String> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();

    public FakeEndpoint(Handler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(executor);
        server.createContext("/", x -> {
            try {
                String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                requests.add(x.getRequestMethod() + " " + x.getRequestURI().getPath() + " " + body);
                handler.handle(x, body);
            } catch (Exception e) {
                // the client went away (it timed out): nothing to answer
            } finally {
                x.close();
            }
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public static void send(HttpExchange x, int status, String contentType, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", contentType);
        x.sendResponseHeaders(status, b.length);
        try (OutputStream os = x.getResponseBody()) {
            os.write(b);
        }
    }

    /** Starts a 200 {@code text/event-stream} response of unknown length; write events to what it returns. */
    public static OutputStream openStream(HttpExchange x) throws IOException {
        x.getResponseHeaders().set("Content-Type", "text/event-stream");
        x.sendResponseHeaders(200, 0);
        return x.getResponseBody();
    }

    /** An SSE stream of {@code chunks} one-character contents, with or without a usage chunk. */
    public static String sse(int chunks, boolean usage, int promptTokens) {
        StringBuilder sb = new StringBuilder();
        sb.append("data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n");
        for (int i = 0; i < chunks; i++) {
            sb.append("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n");
        }
        if (usage) {
            sb.append("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":").append(promptTokens)
                    .append(",\"completion_tokens\":").append(chunks)
                    .append(",\"prompt_tokens_details\":{\"cached_tokens\":3}}}\n\n");
        }
        sb.append("data: [DONE]\n\n");
        return sb.toString();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
