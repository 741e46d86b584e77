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

    private final Channel channel;
    private final Owner owner;
    private final boolean keepAlive;
    private final HttpHeaders cors;
    private final String endpoint;
    private final long startNanos;
    private final String sessionHeader;
    private volatile Runnable canceller;
    private volatile boolean closed;
    private SseStream stream; // event loop only
    private boolean ended;    // event loop only

    HttpExchange(Channel channel, Owner owner, boolean keepAlive, HttpHeaders cors, String endpoint, long startNanos,
            String sessionHeader) {
        this.channel = channel;
        this.owner = owner;
        this.keepAlive = keepAlive;
        this.cors = cors;
        this.endpoint = endpoint;
        this.startNanos = startNanos;
        this.sessionHeader = sessionHeader;
    }

    Channel channel() {
        return channel;
    }

    boolean keepAlive() {
        return keepAlive;
    }

    HttpHeaders cors() {
        return cors;
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
    void attach(Runnable cancel, SseStream s) {
        if (s != null) {
            channel.eventLoop().execute(() -> stream = s);
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
            if (channel.isActive()) {
                HttpResponses.write(channel, HttpResponses.error(error), keepAlive, cors);
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
            if (channel.isActive()) {
                HttpResponses.write(channel, response, keepAlive, cors);
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
        if (channel.eventLoop().inEventLoop()) {
            r.run();
        } else {
            channel.eventLoop().execute(r);
        }
    }
}
