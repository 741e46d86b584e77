package io.edgenode.server.pipeline;

import io.edgenode.core.engine.GenerationResult;
import io.edgenode.server.openai.ApiError;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a plan holds until its generation ends (a session's gate permit, its turn to store), and
 * what must happen before the response is acknowledged. The pipeline calls exactly one of
 * {@link #finish} (the plan was submitted and the generation ended, any reason) or
 * {@link #abandon} (the plan never ran: another candidate was tried, the engine refused it, the
 * client left, a stage failed). Implementations must be safe to call from any thread.
 */
public interface TurnHook {
    /** Nothing held, nothing to store. */
    TurnHook NONE = new TurnHook() {
        @Override
        public boolean wantsText() {
            return false;
        }

        @Override
        public CompletionStage<ApiError> finish(GenerationResult result, String text) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void abandon() {}
    };

    /** Whether {@link #finish} needs the generated text (the pipeline then keeps a copy of it). */
    boolean wantsText();

    /**
     * The generation ended (engine thread; do no I/O here). The returned stage completes, on any
     * thread, when the response may be acknowledged: with null, or with the error to answer instead
     * of the final chunk (a turn that could not be stored must not be acknowledged).
     *
     * @param text the generated text when {@link #wantsText()}, else empty
     */
    CompletionStage<ApiError> finish(GenerationResult result, String text);

    /** The plan never ran: release what it holds. Idempotent. */
    void abandon();
}
