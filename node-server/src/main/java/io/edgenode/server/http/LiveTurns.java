package io.edgenode.server.http;

import io.edgenode.core.engine.GenerationHandle;
import io.edgenode.core.engine.GenerationResult;
import io.edgenode.server.live.LiveHub;
import io.edgenode.server.live.TurnLog;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.SessionUsage;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.function.Supplier;

/**
 * The live side of a session turn in the pipeline (the submit and stream stages): the turn gets a
 * {@link TurnLog} that its session's WebSocket clients follow, and the sender's response reads
 * that log too when it streams, so everybody sees the same chunks with the same event ids.
 * Stateless; called on the request's virtual thread.
 *
 * <p>A session turn survives its sender: the sender's connection closing only ends its watch, and
 * the turn runs on (and is stored) while anybody watches, or for the disconnect grace after the
 * last watcher left. Stateless requests never come here and are cancelled at once as before.
 */
final class LiveTurns {
    private final LiveHub hub;

    LiveTurns(LiveHub hub) {
        this.hub = hub;
    }

    LiveHub hub() {
        return hub;
    }

    /** One turn on its way to the engine: the sink to give it and what to do once it is submitted. */
    final class Turn {
        private final HttpExchange ex;
        private final LiveTurnFeed feed;
        private final ResponseSink sink;
        private final TurnSseStream stream; // the sender's streamed response, or null
        private final AutoCloseable watch;  // the sender's watch when it waits for a whole response, or null

        private Turn(HttpExchange ex, LiveTurnFeed feed, ResponseSink sink, TurnSseStream stream, AutoCloseable watch) {
            this.ex = ex;
            this.feed = feed;
            this.sink = sink;
            this.stream = stream;
            this.watch = watch;
        }

        ResponseSink sink() {
            return sink;
        }

        /** The engine took the turn: cancels reach it, the sender's connection now only watches it. */
        void submitted(GenerationHandle handle) {
            feed.attach(handle);
            if (stream != null) {
                ex.attach(stream::leave, stream);
                stream.start();
            } else if (watch != null) {
                ex.attach(() -> close(watch), null);
            } else {
                ex.attach(() -> { }, null); // a WebSocket's turn: its clients watch it through the session
            }
        }

        /** The engine refused the turn (or submitting failed): the log ends so watchers do not wait for it. */
        void refused(ApiError why) {
            feed.fail(why);
            if (watch != null) {
                close(watch);
            }
            if (stream != null) {
                stream.leave();
            }
        }
    }

    /**
     * Begins the live side of session turn {@code plan.session()}. {@code clientFormat} is the
     * sender's response format; {@code freshFormat} makes another one when the sender waits for a
     * whole response (a format may hold parser state, so the log gets its own).
     */
    Turn begin(HttpExchange ex, SessionUsage session, ResponseFormat clientFormat,
            Supplier<ResponseFormat> freshFormat, boolean stream, boolean includeUsage, HttpHeaders headers,
            String inputJson) {
        TurnLog log = hub.beginTurn(session.id(), session.turn(), ex.requestId(), source(ex),
                inputJson);
        try {
            // A sender waiting for a whole response keeps its format; the log gets its own (parser state).
            LiveTurnFeed feed = new LiveTurnFeed(log, ex.isDetached() || stream ? clientFormat : freshFormat.get());
            feed.start();
            if (ex.isDetached()) {
                return new Turn(ex, feed, new TeeSink(feed, new DetachedEnd(ex)), null, null);
            }
            if (stream) {
                TurnSseStream sse = new TurnSseStream(ex, log, 0, includeUsage, headers,
                        hub.settings().maxClientLag(), hub.watch(log), true);
                return new Turn(ex, feed, feed, sse, null);
            }
            return new Turn(ex, feed, new TeeSink(new BufferedResponse(ex, clientFormat, headers), feed), null,
                    hub.watch(log));
        } catch (RuntimeException | Error e) {
            // The log must end: the session's clients follow it, and the next turn's, until it does.
            log.append(TurnLog.Kind.FAILED, new String(ApiError.serverError("internal error").toJson(),
                    java.nio.charset.StandardCharsets.UTF_8), null, null);
            throw e;
        }
    }

    /** Who sent a turn: {@code http}, {@code ws} (a session's socket), {@code schedule} or {@code workflow}. */
    private static String source(HttpExchange ex) {
        if (!ex.isDetached()) {
            return "http";
        }
        return switch (ex.endpoint()) {
            case ScheduledTurns.ENDPOINT -> "schedule";
            case ScheduledTurns.WORKFLOW_ENDPOINT -> "workflow";
            default -> "ws";
        };
    }

    private static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // a watch's close does not fail
        }
    }

    /**
     * Ends a detached turn's exchange (a socket's or a schedule's) when the turn ends, after
     * handing it the reply (a workflow step reads it); writes nothing. Engine thread for the text.
     */
    private static final class DetachedEnd implements ResponseSink {
        private final HttpExchange ex;
        private final StringBuilder text = new StringBuilder();

        DetachedEnd(HttpExchange ex) {
            this.ex = ex;
        }

        @Override
        public void onText(String delta) {
            text.append(delta);
        }

        @Override
        public void onComplete(GenerationResult result) {
            ex.reply(new HttpExchange.DetachedReply(text.toString(), result.finishReason().apiName(), result.usage()));
            int status = result.failed() ? 500 : result.finishReason() == io.edgenode.core.engine.FinishReason.CANCELLED
                    ? 499 : 200;
            ex.loop().execute(() -> ex.done(status));
        }

        @Override
        public void fail(ApiError error) {
            ex.loop().execute(() -> ex.done(error.status()));
        }
    }
}
