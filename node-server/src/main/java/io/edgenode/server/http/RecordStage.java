package io.edgenode.server.http;

import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.GenerationListener;
import io.edgenode.core.engine.GenerationResult;
import io.edgenode.core.engine.TokenLogprobs;
import io.edgenode.server.gateway.Admission;
import io.edgenode.server.gateway.Outcome;
import io.edgenode.server.gateway.RecordedGeneration;
import io.edgenode.server.gateway.StreamGuard;
import io.edgenode.server.gateway.Verdict;
import io.edgenode.server.openai.ApiError;

/**
 * The gateway's side of one generation, in front of the response's {@link RecordingListener}:
 * notes the first token, checks the reply against the guardrails as it streams, tees it into the
 * response cache (a MISS others may follow), and at the end settles the request's admission (rate
 * limit refund, budget, ledger row). Called on the engine's decode thread (or, replaying a cached
 * reply, on the request's thread); never blocks.
 *
 * <p>A guardrail that blocks the reply throws from {@link #onText}, which makes the engine cancel
 * the generation; the response then ends with {@code response_blocked} instead of its final chunk
 * (chunks already streamed stay sent: the match completed in this one).
 */
final class RecordStage implements GenerationListener {
    private static final System.Logger LOG = System.getLogger(RecordStage.class.getName());
    private final RecordingListener response;
    private final Admission admission;
    private final String servedModel;
    private final int fallbackIndex;
    private final String cacheStatus;
    private final RecordedGeneration recording; // null unless this generation fills the cache
    private final StreamGuard guard;            // null without reply guardrails
    private final boolean stream;
    private long firstTokenAtMillis;
    private String blockedBy;

    RecordStage(RecordingListener response, Admission admission, String servedModel, int fallbackIndex,
            String cacheStatus, RecordedGeneration recording, boolean stream) {
        this.response = response;
        this.admission = admission;
        this.servedModel = servedModel;
        this.fallbackIndex = fallbackIndex;
        this.cacheStatus = cacheStatus;
        this.recording = recording;
        this.guard = admission.streamGuard();
        this.stream = stream;
    }

    @Override
    public void onToken(int token) {
        if (firstTokenAtMillis == 0) {
            firstTokenAtMillis = System.currentTimeMillis();
        }
        if (recording != null) {
            recording.onToken(token);
        }
        response.onToken(token);
    }

    @Override
    public void onLogprobs(TokenLogprobs logprobs) {
        if (recording != null) {
            recording.onLogprobs(logprobs);
        }
        response.onLogprobs(logprobs);
    }

    @Override
    public void onText(String delta) {
        if (guard != null) {
            Verdict v = guard.onText(delta);
            if (v.blocks()) {
                blockedBy = v.ruleId();
                response.failInstead(ApiError.responseBlocked(v.ruleId()));
                throw new IllegalStateException("reply blocked by guardrail " + v.ruleId());
            }
            admission.flag(v);
        }
        if (recording != null) {
            recording.onText(delta);
        }
        response.onText(delta);
    }

    @Override
    public void onComplete(GenerationResult result) {
        try {
            if (recording != null) {
                recording.onComplete(result);
            }
        } finally {
            String errorType = blockedBy != null ? "response_blocked"
                    : result.failed() ? ApiError.SERVER_ERROR
                    : result.finishReason() == FinishReason.CANCELLED ? "client_closed" : null;
            int status = stream || errorType == null ? 200
                    : blockedBy != null ? 400 : result.finishReason() == FinishReason.CANCELLED ? 499 : 500;
            try {
                admission.complete(new Outcome(servedModel, fallbackIndex, status, errorType, firstTokenAtMillis,
                        result.usage(), cacheStatus));
            } catch (RuntimeException | Error e) {
                // Settling must never keep the response from ending: the client gets its final chunk.
                LOG.log(System.Logger.Level.ERROR, "recording the usage of " + result.requestId() + " failed", e);
            }
            response.onComplete(result);
        }
    }
}
