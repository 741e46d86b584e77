package io.edgenode.bench.http;

/**
 * What one streamed generation looked like from where it was observed (an HTTP client reading
 * SSE, or a listener on the engine thread). Times are {@link System#nanoTime()} values of this
 * process. Immutable.
 *
 * @param startNanos        the client's send (HTTP) or the call to {@code Engine.submit} (engine)
 * @param firstTextNanos    arrival of the first non-empty content (SSE chunk or {@code onText})
 * @param lastTextNanos     arrival of the last non-empty content
 * @param endNanos          end of the stream ({@code [DONE]} read, or {@code onComplete})
 * @param completionTokens  tokens generated (the usage chunk, or {@code Usage.completionTokens})
 * @param textEvents        content chunks (HTTP; fewer than tokens when the node coalesced) or
 *                          {@code onText} calls (engine)
 * @param engineTtftNanos   the engine's own {@code Usage.timeToFirstTokenNanos}; -1 when not seen (HTTP)
 * @param eventNanos        arrival of each content event, {@code textEvents} of them
 */
record StreamTiming(long startNanos, long firstTextNanos, long lastTextNanos, long endNanos, int completionTokens,
        int textEvents, long engineTtftNanos, long[] eventNanos) {

    /** Content events that arrived in {@code [from, to]}. */
    int eventsBetween(long from, long to) {
        int n = 0;
        for (int i = 0; i < textEvents; i++) {
            if (eventNanos[i] >= from && eventNanos[i] <= to) {
                n++;
            }
        }
        return n;
    }

    /** Send (or submit) to the first content. */
    long ttftNanos() {
        return firstTextNanos - startNanos;
    }

    /** Decode rate as seen by the observer: tokens after the first over first-to-last content. */
    double decodeTokensPerSecond() {
        long span = lastTextNanos - firstTextNanos;
        return span <= 0 ? Double.NaN : (completionTokens - 1) / (span / 1e9);
    }
}
