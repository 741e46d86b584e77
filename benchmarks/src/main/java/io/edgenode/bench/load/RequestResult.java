package io.edgenode.bench.load;

/**
 * One measured request as the client saw it. Times are nanoseconds; -1 (or NaN) where not
 * measured. Immutable.
 *
 * @param turn             1-based turn within its conversation
 * @param startNanos       send time, relative to the start of its level run
 * @param ttftNanos        send to the first non-empty content (streaming only)
 * @param e2eNanos         send to the end of the response ({@code [DONE]} or the whole body)
 * @param completionTokens {@code usage.completion_tokens}, else the number of content chunks
 * @param tokensFromUsage  whether {@code completionTokens} came from the endpoint's usage
 * @param promptTokens     {@code usage.prompt_tokens}, -1 when not reported
 * @param cachedTokens     {@code usage.prompt_tokens_details.cached_tokens} (llama-server:
 *                         {@code timings.cache_n}), -1 when not reported
 * @param contentChunks    SSE chunks with non-empty content
 * @param chunkGapsNanos   time between successive content chunks (the inter-token latency when the
 *                         endpoint sends one token per chunk)
 * @param text             the assistant's reply (multi-turn history sends it back)
 * @param error            null when the request succeeded
 * @param httpStatus       the response status, -1 when none arrived
 * @param errorDetail      a short human-readable reason; empty when ok
 */
public record RequestResult(int conversation, int turn, long startNanos, long ttftNanos, long e2eNanos,
        int completionTokens, boolean tokensFromUsage, int promptTokens, int cachedTokens, int contentChunks,
        long[] chunkGapsNanos, String text, ErrorKind error, int httpStatus, String errorDetail) {

    public boolean ok() {
        return error == null;
    }

    /** The error as counted in reports: {@code timeout}, {@code http_429}, ...; null when ok. */
    public String errorKey() {
        if (error == null) {
            return null;
        }
        return error == ErrorKind.HTTP ? "http_" + httpStatus : error.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Decode rate of this request: tokens after the first over first-to-last content, NaN without
     * streaming or with fewer than two chunks.
     */
    public double decodeTokensPerSecond() {
        if (ttftNanos < 0 || contentChunks < 2 || completionTokens < 2) {
            return Double.NaN;
        }
        long span = 0;
        for (long g : chunkGapsNanos) {
            span += g;
        }
        return span <= 0 ? Double.NaN : (completionTokens - 1) / (span / 1e9);
    }

    static RequestResult failed(int conversation, int turn, long startNanos, long e2eNanos, ErrorKind error,
            int httpStatus, String detail) {
        return new RequestResult(conversation, turn, startNanos, -1, e2eNanos, 0, false, -1, -1, 0, new long[0], "",
                error, httpStatus, detail);
    }
}
