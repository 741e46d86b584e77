package io.edgenode.core.engine;

/**
 * What one generation cost. Times in nanoseconds from {@link System#nanoTime()} deltas:
 * {@code queueNanos} submit to first scheduled step, {@code prefillNanos} first scheduled step to
 * the end of the prompt's last chunk, {@code timeToFirstTokenNanos} submit to the first token.
 *
 * @param cachedPromptTokens prompt tokens whose KV was reused (prefix cache), not recomputed
 */
public record Usage(
        int promptTokens,
        int cachedPromptTokens,
        int completionTokens,
        long queueNanos,
        long prefillNanos,
        long timeToFirstTokenNanos,
        double decodeTokensPerSecond) {

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
