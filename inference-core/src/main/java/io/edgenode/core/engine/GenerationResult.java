package io.edgenode.core.engine;

/**
 * The end of one generation: why it ended, what it cost, and the error message when it failed.
 *
 * @param tokens the sequence as decoded: prompt tokens then every generated token (an
 *     end-of-generation token is not included: it is never fed back). Empty when the request never
 *     ran.
 * @param stopString the stop string that ended it, or null (an end-of-generation token, a limit,
 *     an error). When set, the emitted text is shorter than what {@code tokens} decode to.
 * @param kv the sequence's KV state when the request asked for it and ended with STOP or LENGTH;
 *     null otherwise (or when llama.cpp could not serialize it). Native memory owned by whoever
 *     consumes the result: close it (or hand it on, e.g. to the session's snapshot writer)
 */
public record GenerationResult(String requestId, FinishReason finishReason, Usage usage, String error, int[] tokens,
        String stopString, KvState kv) {
    private static final int[] NO_TOKENS = new int[0];

    public GenerationResult {
        tokens = tokens == null ? NO_TOKENS : tokens;
    }

    public GenerationResult(String requestId, FinishReason finishReason, Usage usage, String error) {
        this(requestId, finishReason, usage, error, NO_TOKENS, null, null);
    }

    public boolean failed() {
        return finishReason == FinishReason.ERROR;
    }
}
