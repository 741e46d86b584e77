package io.edgenode.server.session;

import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.GenerationResult;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.pipeline.TurnHook;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A session turn's hold on its session until the generation ends: the gate permit, and the turn
 * to store before the response is acknowledged. Created on the request's thread; {@link #finish}
 * is called on the engine thread and stores on a virtual thread ({@code blocking}); any thread may
 * {@link #abandon}. The permit is closed exactly once, whichever way the turn ends.
 */
final class TurnRecorder implements TurnHook {
    private static final System.Logger LOG = System.getLogger(TurnRecorder.class.getName());

    private final String sessionId;
    private final List<SessionMessage> input;
    private final SessionPrompt.Plan plan; // null: the turn's decoded ids do not continue the stored history
    private final String modelId;
    private final Path modelFile;
    private final SessionStore store;
    private final KvHibernation kv; // null: hibernation off
    private final SessionGate.Permit permit;
    private final Executor blocking;
    private final AtomicBoolean released = new AtomicBoolean();

    TurnRecorder(String sessionId, List<SessionMessage> input, SessionPrompt.Plan plan, String modelId, Path modelFile,
            SessionStore store, KvHibernation kv, SessionGate.Permit permit, Executor blocking) {
        this.sessionId = sessionId;
        this.input = input;
        this.plan = plan;
        this.modelId = modelId;
        this.modelFile = modelFile;
        this.store = store;
        this.kv = kv;
        this.permit = permit;
        this.blocking = blocking;
    }

    @Override
    public boolean wantsText() {
        return true;
    }

    @Override
    public CompletionStage<ApiError> finish(GenerationResult r, String text) {
        if (r.finishReason() != FinishReason.STOP && r.finishReason() != FinishReason.LENGTH) {
            closeCapture(r); // cancelled or failed: nothing is stored
            release();
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<ApiError> acknowledged = new CompletableFuture<>();
        try {
            blocking.execute(() -> acknowledged.complete(store(r, text)));
        } catch (RuntimeException e) { // the executor is shut down: the turn cannot be stored
            closeCapture(r);
            release();
            acknowledged.complete(ApiError.serverError("turn not stored: " + e.getMessage()));
        }
        return acknowledged;
    }

    /** The captured KV state belongs to whoever got the result: freed here unless the writer took it. */
    private static void closeCapture(GenerationResult r) {
        if (r.kv() != null) {
            r.kv().close();
        }
    }

    /** Stores the turn and queues its KV snapshot; null when stored, else the error to answer. */
    private ApiError store(GenerationResult r, String text) {
        boolean handedToWriter = false;
        try {
            // The exact decoded ids continue the history only when they decode to the stored text:
            // a stop string cut the text short of the tokens.
            Continuation next = r.stopString() == null && plan != null
                    ? new Continuation(modelId, r.tokens(), plan.text() + text) : null;
            var u = r.usage();
            store.appendTurn(sessionId, input, text, u.promptTokens(), u.completionTokens(), u.cachedPromptTokens(),
                    r.finishReason().apiName(), next);
            if (kv != null && r.kv() != null) {
                handedToWriter = true; // the writer closes it once written (or refused)
                kv.save(sessionId, modelFile, r.kv());
            }
            return null;
        } catch (SessionStoreException e) {
            LOG.log(System.Logger.Level.ERROR, "turn of session " + sessionId + " not stored: " + e.getMessage());
            return SessionErrors.toApiError(e);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "turn of session " + sessionId + " not stored", e);
            return ApiError.serverError("turn not stored: " + e);
        } finally {
            if (!handedToWriter) {
                closeCapture(r);
            }
            release();
        }
    }

    @Override
    public void abandon() {
        release();
    }

    private void release() {
        if (released.compareAndSet(false, true)) {
            permit.close();
        }
    }
}
