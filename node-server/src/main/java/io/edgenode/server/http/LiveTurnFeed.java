package io.edgenode.server.http;

import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.GenerationHandle;
import io.edgenode.core.engine.GenerationResult;
import io.edgenode.core.engine.TokenLogprobs;
import io.edgenode.server.live.TurnLog;
import io.edgenode.server.openai.ApiError;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A session turn's output encoded into its {@link TurnLog}: chat chunks in the turn's own
 * {@link ResponseFormat} (tool calls included), one log event per chunk. Called on the engine's
 * decode thread for the deltas, then once on the thread that ends the turn (after the turn is
 * stored: a FINISHED event means the turn is in the history); the format is used by one thread at
 * a time, in that order.
 *
 * <p>Every watcher of the turn reads the log (the sender's own stream too), so the chunks are
 * encoded once, whatever the number of clients. A format that throws ends the turn: the generation
 * is cancelled and the log ends FAILED.
 */
final class LiveTurnFeed implements ResponseSink {
    private static final System.Logger LOG = System.getLogger(LiveTurnFeed.class.getName());

    private final TurnLog log;
    private final ResponseFormat format;
    private final List<TokenLogprobs> pendingLogprobs = new ArrayList<>(); // producer thread
    private volatile GenerationHandle handle;
    private volatile boolean broken;

    LiveTurnFeed(TurnLog log, ResponseFormat format) {
        this.log = log;
        this.format = format;
    }

    TurnLog log() {
        return log;
    }

    /** Publishes the STARTED event (before the generation is submitted). */
    void start() {
        List<String> first = SseEvents.payloads(format.streamStart());
        log.append(TurnLog.Kind.STARTED, first.isEmpty() ? null : first.getFirst(), null, null);
        for (int i = 1; i < first.size(); i++) {
            log.append(TurnLog.Kind.DELTA, first.get(i), null, null);
        }
    }

    void attach(GenerationHandle h) {
        handle = h;
        log.canceller(h::cancel);
    }

    @Override
    public void onLogprobs(TokenLogprobs logprobs) {
        pendingLogprobs.add(logprobs);
    }

    @Override
    public void onText(String delta) {
        if (broken) {
            return;
        }
        try {
            byte[] events;
            if (pendingLogprobs.isEmpty()) {
                events = format.streamDelta(delta);
            } else {
                events = format.streamDelta(delta, List.copyOf(pendingLogprobs));
                pendingLogprobs.clear();
            }
            appendDeltas(events);
        } catch (RuntimeException e) {
            encodingFailed(e);
        }
    }

    private void appendDeltas(byte[] events) {
        for (String p : SseEvents.payloads(events)) {
            log.append(TurnLog.Kind.DELTA, p, null, null);
        }
    }

    @Override
    public void onComplete(GenerationResult r) {
        if (broken) {
            return;
        }
        try {
            if (r.failed()) {
                fail(ApiError.serverError(r.error() == null ? "generation failed" : r.error()));
                return;
            }
            if (r.finishReason() == FinishReason.CANCELLED) {
                fail(ApiError.turnCancelled());
                return;
            }
            if (!pendingLogprobs.isEmpty()) { // the last tokens' log probabilities, with no text after them
                appendDeltas(format.streamDelta("", List.copyOf(pendingLogprobs)));
                pendingLogprobs.clear();
            }
            List<String> finish = SseEvents.payloads(format.streamFinish(r.finishReason()));
            for (int i = 0; i < finish.size() - 1; i++) { // a parser's held-back output comes before the finish chunk
                log.append(TurnLog.Kind.DELTA, finish.get(i), null, null);
            }
            List<String> usage = SseEvents.payloads(format.streamUsage(r.usage()));
            log.append(TurnLog.Kind.FINISHED, finish.isEmpty() ? "{}" : finish.getLast(),
                    usage.isEmpty() ? null : usage.getFirst(), r.finishReason().apiName());
        } catch (RuntimeException e) {
            encodingFailed(e);
        }
    }

    @Override
    public void fail(ApiError error) {
        log.append(TurnLog.Kind.FAILED, new String(error.toJson(), StandardCharsets.UTF_8), null, null);
    }

    private void encodingFailed(RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "encoding a chunk of turn " + log.turn() + " of " + log.sessionId()
                + " failed; ending the turn", e);
        broken = true;
        GenerationHandle h = handle;
        if (h != null) {
            h.cancel();
        }
        fail(ApiError.serverError("internal error: " + e.getClass().getSimpleName()));
    }
}
