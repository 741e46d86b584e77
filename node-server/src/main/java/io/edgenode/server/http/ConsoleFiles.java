package io.edgenode.server.http;

import io.edgenode.server.openai.ApiError;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The web console: a fixed set of static files shipped in the jar
 * ({@code io/edgenode/server/console/}), read once from the classpath into memory and served at
 * {@code GET /} (index.html) and {@code GET /console/<name>}. Immutable after construction, so
 * thread-safe: one instance serves every connection's event loop.
 *
 * <p>Only the names in {@link #FILES} are ever served: a request path is looked up in a map of
 * them, never resolved against the classpath or the file system, so no path traversal is possible.
 * Responses carry {@code Cache-Control: no-cache} with a strong ETag (a browser revalidates and gets
 * a 304 while the jar is unchanged) and a strict {@code Content-Security-Policy}: scripts and styles
 * only from the node itself, no inline code, connections only back to the node (HTTP and its
 * WebSockets), so the console works offline and injected text cannot run.
 *
 * <p>The files contain no secrets and must load before the user has typed a key, so the gateway
 * leaves these paths open ({@link EndpointGroups}); every API call the console makes is
 * authenticated as usual.
 */
final class ConsoleFiles {
    /** The classpath folder of the console's files. */
    static final String RESOURCE_DIR = "io/edgenode/server/console/";
    /** URL prefix of the files other than the index. */
    static final String PREFIX = "/console/";
    static final String CSP = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:;"
            + " base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

    private static final String JS = "text/javascript; charset=utf-8";

    /**
     * The files served, by name, with their content types. index.html loads app.js as an ES module,
     * which imports the others (same origin, so the policy's {@code 'self'} admits them); a module
     * script served with any other content type is refused by the browser.
     */
    private static final Map<String, String> FILES = Map.ofEntries(
            Map.entry("index.html", "text/html; charset=utf-8"),
            Map.entry("app.css", "text/css; charset=utf-8"),
            Map.entry("app.js", JS),
            Map.entry("api.js", JS),
            Map.entry("dom.js", JS),
            Map.entry("chat.js", JS),
            Map.entry("transcript.js", JS),
            Map.entry("models.js", JS),
            Map.entry("metrics.js", JS));

    private record File(byte[] body, String contentType, String etag) {}

    /** By request path: {@code /}, {@code /console/index.html}, {@code /console/app.js}, ... */
    private final Map<String, File> byPath;

    private ConsoleFiles(Map<String, File> byPath) {
        this.byPath = Map.copyOf(byPath);
    }

    /**
     * Reads the console's files from {@code loader} (once, at start).
     *
     * @throws IllegalStateException when one of them is missing from the jar (a broken build)
     */
    static ConsoleFiles load(ClassLoader loader) {
        Objects.requireNonNull(loader, "loader");
        Map<String, File> byPath = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : FILES.entrySet()) {
            byte[] body = read(loader, RESOURCE_DIR + e.getKey());
            File f = new File(body, e.getValue(), etag(body));
            byPath.put(PREFIX + e.getKey(), f);
            if (e.getKey().equals("index.html")) {
                byPath.put("/", f);
            }
        }
        return new ConsoleFiles(byPath);
    }

    /** The console shipped with the node, from this class's own class loader. */
    static ConsoleFiles fromClasspath() {
        return load(ConsoleFiles.class.getClassLoader());
    }

    /** Whether {@code path} (no query, as the router has it) is one of the console's files. */
    boolean handles(String path) {
        return byPath.containsKey(path);
    }

    /** Whether {@code path} names the console; usable before an instance exists (the gateway's groups). */
    static boolean isConsolePath(String path) {
        return path.equals("/") || path.startsWith(PREFIX) && FILES.containsKey(path.substring(PREFIX.length()));
    }

    /**
     * The response for {@code path}, or null when it is not a console file. GET and HEAD only (else
     * 405 in OpenAI's error shape); 304 without a body when {@code If-None-Match} names the current
     * ETag. The router adds connection, CORS and request-id headers and writes it.
     */
    FullHttpResponse respond(HttpMethod method, String path, HttpHeaders requestHeaders) {
        File f = byPath.get(path);
        if (f == null) {
            return null;
        }
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            FullHttpResponse r = HttpResponses.error(ApiError.methodNotAllowed(method.name(), path));
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            return r;
        }
        FullHttpResponse r;
        if (matches(requestHeaders.get(HttpHeaderNames.IF_NONE_MATCH), f.etag())) {
            r = HttpResponses.full(HttpResponseStatus.NOT_MODIFIED, f.contentType(), new byte[0]);
            r.headers().remove(HttpHeaderNames.CONTENT_LENGTH); // a 304 has no body, and says nothing of its length
        } else {
            // HEAD: HttpServerCodec drops the body of a response to HEAD and keeps Content-Length
            r = HttpResponses.full(HttpResponseStatus.OK, f.contentType(), f.body());
        }
        HttpHeaders h = r.headers();
        h.set(HttpHeaderNames.ETAG, f.etag());
        h.set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        h.set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CSP);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set(HttpHeaderNames.X_FRAME_OPTIONS, "DENY");
        return r;
    }

    /**
     * Answers {@code req} (whose path, without query, is {@code path}: one that {@link #handles})
     * on {@code channel} with {@code common} headers (CORS, request id) added; returns the status,
     * for the router's metrics. Event loop.
     */
    int write(Channel channel, FullHttpRequest req, String path, boolean keepAlive, HttpHeaders common) {
        FullHttpResponse r = respond(req.method(), path, req.headers());
        int status = r.status().code();
        HttpResponses.write(channel, r, keepAlive, common);
        return status;
    }

    /** RFC 9110 13.1.2: a list of entity tags or {@code *}; weak comparison. */
    private static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.strip();
            if (t.equals("*") || t.equals(etag) || t.startsWith("W/") && t.substring(2).equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] read(ClassLoader loader, String name) {
        try (InputStream in = loader.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the console file " + name + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the console file " + name, e);
        }
    }

    private static String etag(byte[] body) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(body);
            return "\"" + HexFormat.of().formatHex(d, 0, 16) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }
}
