package io.edgenode.core.engine;

/**
 * Receives one generation's output. Called on the engine's decode thread: implementations must
 * return quickly and never block (hand the text to another thread or a bounded buffer). An
 * exception thrown here cancels that generation, never the engine.
 */
public interface GenerationListener {
    /** Newly completed text: whole UTF-8 characters, never a part of a stop string. */
    void onText(String delta);

    /** Each sampled token id, before its text (end-of-generation tokens excluded). */
    default void onToken(int token) {}

    /**
     * Log-probabilities of each sampled token, before its {@link #onToken} and text; only for
     * requests with {@code topLogprobs >= 0} (end-of-generation tokens excluded).
     */
    default void onLogprobs(TokenLogprobs logprobs) {}

    /** Exactly once, last. */
    void onComplete(GenerationResult result);

    /** A listener that ignores text (tests, benchmarks that only need the completion). */
    static GenerationListener discarding() {
        return new GenerationListener() {
            @Override
            public void onText(String delta) {}

            @Override
            public void onComplete(GenerationResult result) {}
        };
    }
}
