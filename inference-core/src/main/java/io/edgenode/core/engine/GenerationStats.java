package io.edgenode.core.engine;

/**
 * Counters of one single-stream generation. {@code decodeNanos} covers the token loop after the
 * first token (one {@code llama_decode} of one token, sampling and detokenization per step);
 * {@code decodeCallNanos} is the part of it spent inside {@code llama_decode}, so the difference is
 * the Java side of the step.
 */
public record GenerationStats(
        int promptTokens,
        int generatedTokens,
        long prefillNanos,
        long decodeNanos,
        long decodeCallNanos,
        int decodeSteps,
        FinishReason finishReason) {

    public enum FinishReason { STOP, LENGTH }

    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens * 1e9 / prefillNanos;
    }

    /** Tokens per second of the decode loop (steps after the first token, which prefill produces). */
    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : decodeSteps * 1e9 / decodeNanos;
    }

    /** The rate llama_decode alone would give: the binding's overhead is the gap to {@link #decodeTokensPerSecond()}. */
    public double decodeCallTokensPerSecond() {
        return decodeCallNanos == 0 ? 0 : decodeSteps * 1e9 / decodeCallNanos;
    }

    /** Share of the decode loop spent outside {@code llama_decode}: batch fill, sampling, detokenization. */
    public double outsideDecodeFraction() {
        return decodeNanos == 0 ? 0 : (decodeNanos - decodeCallNanos) / (double) decodeNanos;
    }
}
