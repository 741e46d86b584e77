package io.edgenode.server.http;

import io.edgenode.core.engine.GenerationListener;
import io.edgenode.core.engine.GenerationResult;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.pipeline.TurnHook;

/**
 * The stream and record stages of one generation, between the engine and the response sink.
 * Called on the engine's decode thread (text, then the completion); the turn hook's store may
 * complete on another thread, which then ends the sink.
 *
 * <p>Records usage in the metrics, lets the plan's {@link TurnHook} store the turn before the
 * response is acknowledged, and contains failures: whatever a sink throws, an {@link Error}
 * included, becomes a {@link RuntimeException} for the engine (which then ends this sequence
 * with ERROR and goes on serving the others), and a failure while completing still ends the
 * response and releases the hook.
 */
final class RecordingListener implements GenerationListener {
    private static final System.Logger LOG = System.getLogger(RecordingListener.class.getName());

    private final ResponseSink sink;
    private final TurnHook hook;
    private final ServerMetrics metrics;
    private final String modelId;
    private final StringBuilder text; // engine thread; null when the hook does not need the text
    private volatile ApiError instead; // a guardrail ended the reply: answer this, store nothing

    RecordingListener(ResponseSink sink, TurnHook hook, ServerMetrics metrics, String modelId) {
        this.sink = sink;
        this.hook = hook;
        this.metrics = metrics;
        this.modelId = modelId;
        this.text = hook.wantsText() ? new StringBuilder() : null;
    }

    @Override
    public void onToken(int token) {
        try {
            sink.onToken(token);
        } catch (RuntimeException e) {
            throw e;
        } catch (Error e) {
            throw new IllegalStateException("response sink failed: " + e, e);
        }
    }

    @Override
    public void onLogprobs(io.edgenode.core.engine.TokenLogprobs logprobs) {
        try {
            sink.onLogprobs(logprobs);
        } catch (RuntimeException e) {
            throw e;
        } catch (Error e) {
            throw new IllegalStateException("response sink failed: " + e, e);
        }
    }

    @Override
    public void onText(String delta) {
        try {
            if (text != null) {
                text.append(delta);
            }
            sink.onText(delta);
        } catch (RuntimeException e) {
            throw e;
        } catch (Error e) {
            throw new IllegalStateException("response sink failed: " + e, e);
        }
    }

    /**
     * The generation will end (it is being cancelled) because of {@code error}: the response ends
     * with it instead of the final chunk, and the plan's hook stores nothing.
     */
    void failInstead(ApiError error) {
        instead = error;
    }

    @Override
    public void onComplete(GenerationResult result) {
        if (instead != null) {
            metrics.recordGeneration(modelId, result.usage());
            hook.abandon();
            end(result, instead, null);
            return;
        }
        try {
            metrics.recordGeneration(modelId, result.usage());
            hook.finish(result, text == null ? "" : text.toString())
                    .whenComplete((error, failure) -> end(result, error, failure));
        } catch (RuntimeException | Error e) {
            hook.abandon();
            end(result, null, e);
        }
    }

    /** Ends the response once the hook has acknowledged (or refused) the turn; never throws. */
    private void end(GenerationResult result, ApiError error, Throwable failure) {
        try {
            if (failure != null) {
                LOG.log(System.Logger.Level.ERROR, "completing " + result.requestId() + " failed", failure);
                sink.fail(ApiError.serverError("internal error: " + failure.getClass().getSimpleName()));
            } else if (error != null) {
                sink.fail(error);
            } else {
                sink.onComplete(result);
            }
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "ending the response of " + result.requestId() + " failed", e);
            try {
                sink.fail(ApiError.serverError("internal error: " + e.getClass().getSimpleName()));
            } catch (RuntimeException | Error ignored) {
                // nothing more can be sent; the connection's close will end the exchange
            }
        }
    }
}
