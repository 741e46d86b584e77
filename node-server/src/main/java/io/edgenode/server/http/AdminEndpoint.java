package io.edgenode.server.http;

import io.edgenode.server.node.FetchProgress;
import io.edgenode.server.node.ModelHost;
import io.edgenode.server.node.ModelRouter;
import io.edgenode.server.node.ModelUnavailableException;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.OpenAiEncoder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /admin/models/{id}/load}, {@code POST /admin/models/{id}/unload} and
 * {@code GET /admin/models/{id}/pull} (SSE progress). Called on the event loop; loads, unloads and
 * downloads run elsewhere (the registry's threads, {@code blocking}) and their answers are written
 * back on the channel's event loop. Stateless; thread-safe.
 *
 * <p>No authentication: like the rest of the node, bind it to a trusted interface (the default
 * host is 127.0.0.1).
 */
final class AdminEndpoint {
    private static final System.Logger LOG = System.getLogger(AdminEndpoint.class.getName());
    /** At most this many progress events a second per stream; state changes always go out. */
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final OpenAiEncoder ENCODER = new OpenAiEncoder();

    private final ModelHost host;
    private final Executor blocking;

    AdminEndpoint(ModelHost host, Executor blocking) {
        this.host = host;
        this.blocking = blocking;
    }

    /** Loads the model (downloading it first when needed) and answers once it is loaded. */
    void load(String id, HttpExchange ex) {
        // copy(): the load's future is shared with requests waiting for it; only this answer times out
        host.load(id).copy().orTimeout(ModelRouter.DEFAULT_LOAD_WAIT.toSeconds(), TimeUnit.SECONDS)
                .whenComplete((m, error) -> {
                    if (error == null) {
                        ok(ex, ENCODER.modelStatus(id, "loaded", null));
                        return;
                    }
                    Throwable cause = error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error;
                    String message = cause instanceof ModelUnavailableException ? cause.getMessage()
                            : "model " + id + " did not finish loading in time: " + cause;
                    ex.fail(ApiError.unavailable(message));
                });
    }

    /** Unloads the model when it is loaded and idle; 409 when it is busy or still loading. */
    void unload(String id, HttpExchange ex) {
        Offload.run(blocking, ex, () -> {
            switch (host.unload(id)) {
                case UNLOADED -> ok(ex, ENCODER.modelStatus(id, "available", "unloaded"));
                case NOT_LOADED -> ok(ex, ENCODER.modelStatus(id, host.status(id).state().wireName(), "not loaded"));
                case BUSY -> ex.fail(ApiError.conflict("model " + id + " is serving requests; unload it when idle"));
                case LOADING -> ex.fail(ApiError.conflict("model " + id + " is loading; unload it once loaded"));
            }
        });
    }

    /**
     * Streams the model's download as SSE events {@code {"model","state","bytes","total","progress"}}
     * (starting it when the file is missing), ending with a {@code done} or {@code failed} event.
     * A file already present answers with one {@code done} event. The client leaving does not stop
     * the download.
     */
    void pull(String id, HttpExchange ex) {
        Channel ch = ex.channel();
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
        head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        head.headers().set(HttpHeaderNames.CONNECTION, ex.keepAlive() ? HttpHeaderValues.KEEP_ALIVE
                : HttpHeaderValues.CLOSE);
        head.headers().add(ex.headers());
        ch.writeAndFlush(head);
        ProgressStream stream = new ProgressStream(ex);
        // A client that leaves stops watching (the download goes on for whoever else waits on it).
        try {
            blocking.execute(() -> {
                try {
                    var watching = host.pull(id, stream::offer);
                    ex.attach(() -> watching.cancel(false), null);
                } catch (RuntimeException | Error e) {
                    // The SSE head is out: no error response can follow it; closing ends the exchange.
                    LOG.log(System.Logger.Level.ERROR, "pull of " + id + " failed to start", e);
                    ch.close();
                }
            });
        } catch (RuntimeException e) { // executor shut down: the node is stopping
            ch.close();
        }
    }

    /** Writes a 200 JSON body and ends the exchange (any thread). */
    private static void ok(HttpExchange ex, byte[] body) {
        ex.respond(HttpResponses.full(HttpResponseStatus.OK, HttpResponses.JSON, body), 200);
    }

    /**
     * One pull's SSE events. {@link #offer} runs on any thread and hands each event to the
     * channel's event loop; throttling state is touched on the event loop only.
     */
    private static final class ProgressStream {
        private final HttpExchange ex;
        private FetchProgress.State lastState; // event loop only
        private long lastSentNanos;            // event loop only
        private boolean ended;                 // event loop only

        ProgressStream(HttpExchange ex) {
            this.ex = ex;
        }

        void offer(FetchProgress p) {
            ex.channel().eventLoop().execute(() -> write(p));
        }

        private void write(FetchProgress p) {
            if (ended) {
                return;
            }
            long now = System.nanoTime();
            if (!p.isFinal() && p.state() == lastState && now - lastSentNanos < PROGRESS_INTERVAL_NANOS) {
                return; // a byte count between two sent ones: the next one says more
            }
            lastState = p.state();
            lastSentNanos = now;
            Channel ch = ex.channel();
            byte[] json = ENCODER.pullProgress(p.modelId(), p.state().name().toLowerCase(java.util.Locale.ROOT),
                    p.bytesDone(), p.totalBytes(), p.fraction(), p.error().orElse(null));
            ch.write(new DefaultHttpContent(Unpooled.wrappedBuffer(OpenAiEncoder.sse(json))));
            if (p.isFinal()) {
                ended = true;
                var last = ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                if (!ex.keepAlive()) {
                    last.addListener(ChannelFutureListener.CLOSE);
                }
                ex.done(200);
            } else {
                ch.flush();
            }
        }
    }
}
