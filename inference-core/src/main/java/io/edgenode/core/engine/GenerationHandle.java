package io.edgenode.core.engine;

import java.util.concurrent.CompletableFuture;

/** A submitted generation: its completion, and a way to stop it. Thread-safe. */
public interface GenerationHandle {
    String id();

    /** Asks the engine to stop this generation; its KV cells are freed at the next step. Idempotent. */
    void cancel();

    /** Completes (never exceptionally) when the generation ends, after the listener's onComplete. */
    CompletableFuture<GenerationResult> completion();
}
