package io.edgenode.core.engine;

/**
 * What one generation cost. Times in nanoseconds from {@link System#nanoTime()} deltas:
 * {@code queueNanos} submit to first scheduled step, {@code prefillNanos} first scheduled step to
 * the end of the prompt's last chunk, {@code timeToFirstTokenNanos} submit to the first token.
 *
 * @param cachedPromptTokens prompt tokens whose KV was reused (prefix cache), not recomputed
 * @param computeNanos engine time spent on this generation: each decode step's time split across
 *     the step's sequences by their tokens in the batch, plus this sequence's own sampling. What a
 *     request really cost the box, whatever else shared its steps.
 */
public record Usage(
        int promptTokens,
        int cachedPromptTokens,
        int completionTokens,
        long queueNanos,
        long prefillNanos,
        long timeToFirstTokenNanos,
        double decodeTokensPerSecond,
        long computeNanos) {

    /** Without compute time (tests, results built outside the engine). */
    public Usage(int promptTokens, int cachedPromptTokens, int completionTokens, long queueNanos, long prefillNanos,
            long timeToFirstTokenNanos, double decodeTokensPerSecond) {
        this(promptTokens, cachedPromptTokens, completionTokens, queueNanos, prefillNanos, timeToFirstTokenNanos,
                decodeTokensPerSecond, 0);
    }

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
