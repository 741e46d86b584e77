package io.edgenode.store.pull;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real HTTP server on an ephemeral loopback port for pull tests: routes answer with a file
 * (honouring or ignoring {@code Range}), cut a body short, stall, redirect or fail, and every
 * request's path and headers are recorded. Each request runs on its own virtual thread.
 */
final class FileServer implements AutoCloseable {
    /** One request as the server saw it. */
    record Seen(String path, Headers headers) {
        Optional<String> header(String name) {
            return Optional.ofNullable(headers.getFirst(name));
        }
    }

    /** What a route does with one request. */
    @FunctionalInterface
    interface Route {
        void handle(HttpExchange exchange) throws IOException;
    }

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    final List<Seen> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    /** Released on close, so that stalled handlers end. */
    private final CountDownLatch closing = new CountDownLatch(1);

    FileServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    FileServer route(String path, Route route) {
        server.createContext(path, exchange -> {
            requests.add(new Seen(exchange.getRequestURI().getPath(), copy(exchange.getRequestHeaders())));
            try (exchange) {
                route.handle(exchange);
            }
        });
        return this;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    int port() {
        return server.getAddress().getPort();
    }

    List<Seen> requestsTo(String path) {
        return requests.stream().filter(s -> s.path().equals(path)).toList();
    }

    /** Serves {@code data}, with 206 partial content for {@code Range: bytes=N-}. */
    static Route file(byte[] data) {
        return exchange -> {
            long start = rangeStart(exchange);
            if (start >= data.length && start > 0) {
                exchange.getResponseHeaders().set("Content-Range", "bytes */" + data.length);
                exchange.sendResponseHeaders(416, -1);
                return;
            }
            if (start > 0) {
                exchange.getResponseHeaders().set("Content-Range",
                        "bytes " + start + "-" + (data.length - 1) + "/" + data.length);
                exchange.sendResponseHeaders(206, data.length - start);
            } else {
                exchange.sendResponseHeaders(200, data.length);
            }
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(data, (int) start, (int) (data.length - start));
            }
        };
    }

    /** Serves {@code data} whole with 200, whatever the request's {@code Range}. */
    static Route ignoringRange(byte[] data) {
        return exchange -> {
            exchange.sendResponseHeaders(200, data.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(data);
            }
        };
    }

    /**
     * Declares the full length but sends only the first {@code cut} bytes of {@code data} and drops
     * the connection (the first request only); later requests get {@link #file}.
     */
    static Route cutOnce(byte[] data, int cut) {
        Route whole = file(data);
        boolean[] done = {false};
        return exchange -> {
            synchronized (done) {
                if (done[0]) {
                    whole.handle(exchange);
                    return;
                }
                done[0] = true;
            }
            exchange.sendResponseHeaders(200, data.length);
            OutputStream out = exchange.getResponseBody();
            out.write(data, 0, cut);
            out.flush();
            // A handler that throws makes HttpServer drop the connection mid-body.
            throw new IOException("cutting the connection after " + cut + " bytes");
        };
    }

    /** Sends the headers and {@code sent} bytes, then nothing until the server closes. */
    Route stallAfter(byte[] data, int sent) {
        return exchange -> {
            exchange.sendResponseHeaders(200, data.length);
            OutputStream out = exchange.getResponseBody();
            out.write(data, 0, sent);
            out.flush();
            try {
                closing.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** Waits until {@code gate} opens, then does what {@code then} does. */
    static Route gated(CountDownLatch gate, Route then) {
        return exchange -> {
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            then.handle(exchange);
        };
    }

    static Route status(int status) {
        return exchange -> exchange.sendResponseHeaders(status, -1);
    }

    static Route redirect(int status, URI to) {
        return exchange -> {
            exchange.getResponseHeaders().set("Location", to.toString());
            exchange.sendResponseHeaders(status, -1);
        };
    }

    static long rangeStart(HttpExchange exchange) {
        String range = exchange.getRequestHeaders().getFirst("Range");
        if (range == null) {
            return 0;
        }
        Matcher m = RANGE.matcher(range);
        return m.matches() ? Long.parseLong(m.group(1)) : 0;
    }

    private static Headers copy(Headers h) {
        Headers c = new Headers();
        h.forEach((k, v) -> c.put(k, List.copyOf(v)));
        return c;
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
    }
}
