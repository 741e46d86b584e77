package io.edgenode.server.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Set;

/**
 * CORS for browser clients: only the configured origins ({@code *} allows any), none by default.
 * Immutable, thread-safe.
 */
final class Cors {
    private final Set<String> allowed;
    private final boolean any;

    Cors(List<String> allowedOrigins) {
        this.allowed = Set.copyOf(allowedOrigins);
        this.any = allowed.contains("*");
    }

    boolean allows(String origin) {
        return origin != null && (any || allowed.contains(origin));
    }

    /** Headers for a response to a request from {@code origin}: empty when the origin is not allowed. */
    HttpHeaders responseHeaders(String origin) {
        if (!allows(origin)) {
            return EmptyHttpHeaders.INSTANCE;
        }
        HttpHeaders h = new DefaultHttpHeaders();
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, any ? "*" : origin);
        h.set(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
        return h;
    }

    /** Headers for a preflight ({@code OPTIONS} with {@code Access-Control-Request-Method}). */
    HttpHeaders preflightHeaders(String origin) {
        HttpHeaders h = responseHeaders(origin);
        if (h.isEmpty()) {
            return h;
        }
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, PUT, PATCH, DELETE, OPTIONS");
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization, Content-Type, X-Session-Id, If-Match");
        h.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
        return h;
    }
}
