package io.edgenode.server.http;

import io.edgenode.server.openai.ApiError;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * One request/response on a connection, owned by the connection's {@link RequestRouter}, which
 * holds it while it runs and drops it when it ends: nothing per exchange is registered on the
 * channel (no close-future listeners), so a finished exchange, its sink and its generation are
 * unreachable once it ends, however long the keep-alive connection lives.
 *
 * <p>Threads: created and ended on the channel's event loop. {@link #attach} is called on the
 * request's virtual thread once the generation is submitted; {@link #cancel} on the event loop
 * when the connection closes. Both sides publish through volatile fields and check each other, so
 * a generation submitted while the client leaves is cancelled by one of them.
 */
final class HttpExchange {
    /** What the exchange tells its connection (event loop only). */
    interface Owner {
        /** The exchange is over (its response written, or the connection gone). */
        void ended(HttpExchange exchange, int status);

        /** Records an error answered by this exchange. */
        void error(HttpExchange exchange, ApiError error);
    }

    private final Channel channel; // null for a detached exchange made without a connection (a scheduled run)
    private final io.netty.channel.EventLoop loop;
    private final Owner owner;
    private final boolean keepAlive;
    /** Every response of the exchange carries these: CORS, request id, node, rate limits. */
    private final HttpHeaders common;
    private final String requestId;
    private volatile io.edgenode.server.gateway.Principal principal = io.edgenode.server.gateway.Principal.KEYLESS;
    private final String endpoint;
    private final long startNanos;
    private final String sessionHeader;
    private volatile Runnable canceller;
    private volatile boolean closed;
    private String method = "";  // event loop, before the exchange is handed on
    private String path = "";
    private HttpHeaders requestHeaders = io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE;
    /** What the access log line says beyond the request itself (served model, tokens, cache); any thread. */
    private final java.util.Map<String, Object> notes = new java.util.concurrent.ConcurrentHashMap<>();
    private Drainable stream; // event loop only
    private boolean ended;    // event loop only
    /** A detached exchange's refusal goes here instead of an HTTP response; null for a normal exchange. */
    private java.util.function.Consumer<ApiError> detachedFailure;

    HttpExchange(Channel channel, Owner owner, boolean keepAlive, HttpHeaders common, String endpoint, long startNanos,
            String sessionHeader, String requestId) {
        this(channel, channel.eventLoop(), owner, keepAlive, common, endpoint, startNanos, sessionHeader, requestId);
    }

    private HttpExchange(Channel channel, io.netty.channel.EventLoop loop, Owner owner, boolean keepAlive,
            HttpHeaders common, String endpoint, long startNanos, String sessionHeader, String requestId) {
        this.channel = channel;
        this.loop = loop;
        this.owner = owner;
        this.keepAlive = keepAlive;
        this.common = common;
        this.requestId = requestId;
        this.endpoint = endpoint;
        this.startNanos = startNanos;
        this.sessionHeader = sessionHeader;
    }

    /**
     * An exchange with no HTTP response of its own: a turn sent over a session's WebSocket, whose
     * output reaches the clients through the turn's log. A refusal before the turn starts goes to
     * {@code onFailure} (on the event loop) instead of being written to the channel.
     */
    static HttpExchange detached(Channel channel, Owner owner, String endpoint, String requestId,
            io.edgenode.server.gateway.Principal principal, java.util.function.Consumer<ApiError> onFailure) {
        return detached(channel, channel.eventLoop(), owner, endpoint, requestId, principal, onFailure);
    }

    /**
     * A detached exchange with no connection at all ({@code channel} null: a scheduled run), whose
     * owner is told on {@code loop}.
     */
    static HttpExchange detached(Channel channel, io.netty.channel.EventLoop loop, Owner owner, String endpoint,
            String requestId, io.edgenode.server.gateway.Principal principal,
            java.util.function.Consumer<ApiError> onFailure) {
        HttpExchange ex = new HttpExchange(channel, loop, owner, true, new io.netty.handler.codec.http.DefaultHttpHeaders(),
                endpoint, System.nanoTime(), null, requestId);
        ex.principal(principal);
        ex.detachedFailure = java.util.Objects.requireNonNull(onFailure, "onFailure");
        return ex;
    }

    /** What a detached exchange's turn replied: its text, finish reason and usage (set before it ends). */
    record DetachedReply(String text, String finishReason, io.edgenode.core.engine.Usage usage) {}

    private volatile DetachedReply reply;

    /** Records a detached turn's reply (any thread, before {@link #done}). */
    void reply(DetachedReply r) {
        reply = r;
    }

    /** The detached turn's reply once it ended (null before, or when it failed before replying). */
    DetachedReply reply() {
        return reply;
    }

    /** Whether this exchange writes no HTTP response (see {@link #detached}). */
    boolean isDetached() {
        return detachedFailure != null;
    }

    Channel channel() {
        return channel;
    }

    /** The event loop the exchange ends on (its channel's). */
    io.netty.channel.EventLoop loop() {
        return loop;
    }

    boolean keepAlive() {
        return keepAlive;
    }

    /**
     * The headers every response of this exchange carries (CORS, {@code x-request-id}, the node,
     * rate limits). Added to by the request's thread before a response begins; read on the event
     * loop when it is written (the hand-over to the event loop orders the two).
     */
    HttpHeaders headers() {
        return common;
    }

    String requestId() {
        return requestId;
    }

    /** Who sent the request (set by the router once authenticated; keyless until then). */
    io.edgenode.server.gateway.Principal principal() {
        return principal;
    }

    void principal(io.edgenode.server.gateway.Principal p) {
        principal = p;
    }

    /** The request line and headers (event loop, when the exchange begins; read-only after). */
    void request(String method, String uri, HttpHeaders headers) {
        this.method = method;
        int q = uri.indexOf('?');
        this.path = q >= 0 ? uri.substring(0, q) : uri;
        this.requestHeaders = headers;
    }

    /** A request header, or null. */
    String requestHeader(CharSequence name) {
        return requestHeaders.get(name);
    }

    /** Adds {@code name=value} to the request's access log line (any thread; null values are ignored). */
    void note(String name, Object value) {
        if (value != null) {
            notes.put(name, value);
        }
    }

    /** The access log line's fields for this exchange ending with {@code status}. */
    java.util.Map<String, Object> accessLine(int status, long nanos) {
        java.util.Map<String, Object> f = new java.util.LinkedHashMap<>();
        f.put("request_id", requestId);
        f.put("method", method);
        f.put("path", path);
        f.put("status", status);
        f.put("key", principal.keyId());
        for (String k : new String[] {"user", "session", "model", "served_model", "fallback", "prompt_tokens",
                "cached_tokens", "completion_tokens", "cache", "error", "flags"}) {
            f.put(k, notes.get(k));
        }
        f.put("duration_ms", Math.round(nanos / 1e4) / 100.0);
        return f;
    }

    String endpoint() {
        return endpoint;
    }

    long startNanos() {
        return startNanos;
    }

    /** The request's {@code X-Session-Id} header, or null. */
    String sessionHeader() {
        return sessionHeader;
    }

    /** Whether the client has gone (any thread): work not yet started for it should not start. */
    boolean isClosed() {
        return closed;
    }

    /**
     * What stops the exchange's work (any thread, once: a generation's {@code cancel}, a pull
     * watcher's unsubscribe), run when the connection closes. When {@code stream} is not null,
     * writability changes of the channel resume it.
     */
    void attach(Runnable cancel, Drainable s) {
        if (s != null) {
            loop.execute(() -> stream = s);
        }
        canceller = cancel;
        if (closed) {
            cancel.run(); // the connection closed while this was being submitted
        }
    }

    /** Event loop: the connection closed under the exchange. Its generation is cancelled (KV freed at the next step). */
    void cancel() {
        closed = true;
        Runnable c = canceller;
        if (c != null) {
            c.run();
        }
        end(ApiError.clientClosed().status());
    }

    /** Event loop: the channel became writable again; a stream waiting for it writes on. */
    void writable() {
        if (stream != null) {
            stream.drain();
        }
    }

    /** Writes {@code error} (any thread) unless a response has begun, and ends the exchange. */
    void fail(ApiError error) {
        onEventLoop(() -> {
            if (ended) {
                return;
            }
            if (detachedFailure != null) {
                detachedFailure.accept(error);
            } else if (channel.isActive()) {
                HttpResponses.write(channel, HttpResponses.error(error), keepAlive, common);
            }
            owner.error(this, error);
            end(error.status());
        });
    }

    /** Writes a whole response (any thread) and ends the exchange. */
    void respond(FullHttpResponse response, int status) {
        onEventLoop(() -> {
            if (ended) {
                response.release();
                return;
            }
            if (detachedFailure == null && channel.isActive()) {
                HttpResponses.write(channel, response, keepAlive, common);
            } else {
                response.release();
            }
            end(status);
        });
    }

    /** Event loop: the response was written by whoever streamed it; the exchange is over. */
    void done(int status) {
        end(status);
    }

    private void end(int status) {
        if (ended) {
            return;
        }
        ended = true;
        stream = null;
        owner.ended(this, status);
    }

    private void onEventLoop(Runnable r) {
        if (loop.inEventLoop()) {
            r.run();
        } else {
            loop.execute(r);
        }
    }
}
