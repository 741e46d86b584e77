package io.edgenode.server.http;

import io.edgenode.core.engine.GenerationHandle;
import io.edgenode.core.engine.GenerationListener;
import io.edgenode.core.engine.GenerationResult;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.OpenAiEncoder;
import io.edgenode.core.engine.TokenLogprobs;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One streamed (SSE) generation: the bridge from the engine thread to the channel.
 *
 * <p>Threads: {@link #onText}/{@link #onComplete} run on the engine's decode thread and only
 * append to a bounded buffer and schedule one coalesced {@link #drain} on the channel's event
 * loop (STYLE 5: one writer per channel; the engine never touches the channel). {@code drain}
 * writes while the channel is writable and stops otherwise; {@code channelWritabilityChanged}
 * resumes it. A client that cannot keep up, so that more than {@link #MAX_PENDING_CHARS} wait,
 * is cancelled: the decode loop never waits on a slow client.
 */
final class SseStream implements ResponseSink, Drainable {
    static final int MAX_PENDING_CHARS = 256 * 1024;
    private static final System.Logger LOG = System.getLogger(SseStream.class.getName());

    private final HttpExchange exchange;
    private final Channel channel;
    private final ResponseFormat format;
    private final boolean includeUsage;
    private final HttpHeaders headers;
    private final String modelId;
    private final ServerMetrics metrics;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final StringBuilder pending = new StringBuilder();
    private final List<TokenLogprobs> pendingLogprobs = new ArrayList<>(); // guarded by this
    private GenerationResult result;          // guarded by this
    private ApiError failure;                 // guarded by this; ends the stream instead of result
    private volatile GenerationHandle handle;
    private long lastTokenNanos;              // engine thread only
    private boolean headersSent;              // event loop only
    private boolean done;                     // event loop only
    private boolean ended;                    // event loop only: [DONE] and the last chunk written

    /** {@code headers}: the plan's extra response headers (the exchange adds its CORS headers). */
    SseStream(HttpExchange exchange, ResponseFormat format, boolean includeUsage, HttpHeaders headers, String modelId,
            ServerMetrics metrics) {
        this.exchange = exchange;
        this.channel = exchange.channel();
        this.format = format;
        this.includeUsage = includeUsage;
        this.headers = headers;
        this.modelId = modelId;
        this.metrics = metrics;
    }

    /**
     * The engine handle, for cancelling a client that cannot keep up. (A closed connection is
     * cancelled by its exchange; the stream registers nothing on the channel.)
     */
    void attach(GenerationHandle h) {
        this.handle = h;
    }

    @Override
    public void onToken(int token) {
        long now = System.nanoTime();
        if (lastTokenNanos != 0) {
            metrics.recordInterTokenLatency(modelId, now - lastTokenNanos);
        }
        lastTokenNanos = now;
    }

    @Override
    public void onLogprobs(TokenLogprobs logprobs) {
        synchronized (this) {
            pendingLogprobs.add(logprobs); // goes out with the text that follows
        }
    }

    @Override
    public void onText(String delta) {
        boolean tooSlow;
        synchronized (this) {
            pending.append(delta);
            tooSlow = pending.length() > MAX_PENDING_CHARS;
        }
        if (tooSlow) {
            GenerationHandle h = handle;
            if (h != null) {
                LOG.log(System.Logger.Level.WARNING, "client {0} cannot keep up ({1} chars waiting): cancelling {2}",
                        channel.remoteAddress(), MAX_PENDING_CHARS, h.id());
                h.cancel();
            }
        }
        scheduleDrain();
    }

    @Override
    public void onComplete(GenerationResult r) {
        synchronized (this) {
            result = r;
        }
        scheduleDrain();
    }

    @Override
    public void fail(ApiError error) {
        synchronized (this) {
            failure = error;
        }
        scheduleDrain();
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(this::drain);
        }
    }

    /** Event loop: writes what is pending while the channel takes it. Also called on writability changes. */
    @Override
    public void drain() {
        drainScheduled.set(false);
        if (done || !channel.isActive()) {
            return;
        }
        if (!headersSent) {
            channel.write(HttpResponses.sseHead(exchange, headers));
            byte[] start = format.streamStart();
            if (start.length > 0) {
                channel.write(new DefaultHttpContent(Unpooled.wrappedBuffer(start)));
            }
            headersSent = true;
        }
        if (!channel.isWritable()) {
            channel.flush();
            return; // channelWritabilityChanged calls drain() again
        }
        String text;
        List<TokenLogprobs> logprobs;
        GenerationResult r;
        ApiError f;
        synchronized (this) {
            text = pending.isEmpty() ? "" : pending.toString();
            pending.setLength(0);
            r = result;
            f = failure;
            // Log probabilities go with their text; the last ones also when no text follows them.
            boolean send = !pendingLogprobs.isEmpty() && (!text.isEmpty() || r != null);
            logprobs = send ? List.copyOf(pendingLogprobs) : List.of();
            if (send) {
                pendingLogprobs.clear();
            }
        }
        try {
            byte[] events = text.isEmpty() && logprobs.isEmpty() ? null
                    : logprobs.isEmpty() ? format.streamDelta(text) : format.streamDelta(text, logprobs);
            if (events != null && events.length > 0) { // a tool-call parser may hold all of it back
                channel.write(new DefaultHttpContent(Unpooled.wrappedBuffer(events)));
            }
            if (f != null) {
                finish(f);
            } else if (r != null) {
                finish(r);
            }
        } catch (RuntimeException e) {
            encodingFailed(e);
        }
        channel.flush();
    }

    /**
     * A format that throws (a parser's bug) must not leave the stream open: the generation is
     * cancelled and the stream ends with an in-band error, on this event loop.
     */
    private void encodingFailed(RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "encoding a stream chunk failed; ending the stream", e);
        GenerationHandle h = handle;
        if (h != null) {
            h.cancel();
        }
        if (!ended) {
            finish(ApiError.serverError("internal error: " + e.getClass().getSimpleName()));
        }
    }

    private void finish(GenerationResult r) {
        if (r.failed()) {
            finish(ApiError.serverError(r.error() == null ? "generation failed" : r.error()));
            return;
        }
        done = true;
        channel.write(new DefaultHttpContent(Unpooled.wrappedBuffer(format.streamFinish(r.finishReason()))));
        if (includeUsage) {
            channel.write(new DefaultHttpContent(Unpooled.wrappedBuffer(format.streamUsage(r.usage()))));
        }
        end();
    }

    /** Headers are out: the error goes in-band, then {@code [DONE]}. */
    private void finish(ApiError e) {
        done = true;
        channel.write(new DefaultHttpContent(Unpooled.wrappedBuffer(new OpenAiEncoder().sseError(e))));
        end();
    }

    private void end() {
        ended = true;
        channel.write(new DefaultHttpContent(Unpooled.wrappedBuffer(OpenAiEncoder.DONE)));
        var f = channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        if (!exchange.keepAlive()) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
        exchange.done(200);
    }
}
