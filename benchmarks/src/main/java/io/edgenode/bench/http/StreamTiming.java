package io.edgenode.bench.http;

import io.edgenode.bench.load.RequestResult;
import java.io.IOException;

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

    /**
     * A streamed request as {@link io.edgenode.bench.load.ChatClient} measured it, sent with a level
     * start of 0 (so its {@code startNanos} is the {@link System#nanoTime()} of the send): the arrival
     * of each content event is the first content plus the gaps before it.
     *
     * @throws IOException when the request failed or the stream had no content or no usage chunk
     */
    static StreamTiming of(RequestResult r) throws IOException {
        if (!r.ok()) {
            throw new IOException(r.errorKey() + ": " + r.errorDetail());
        }
        if (r.ttftNanos() < 0 || !r.tokensFromUsage()) {
            throw new IOException("stream ended without " + (r.ttftNanos() < 0 ? "content" : "a usage chunk"));
        }
        long start = r.startNanos();
        long[] events = new long[r.contentChunks()];
        events[0] = start + r.ttftNanos();
        for (int i = 1; i < events.length; i++) {
            events[i] = events[i - 1] + r.chunkGapsNanos()[i - 1];
        }
        return new StreamTiming(start, events[0], events[events.length - 1], start + r.e2eNanos(),
                r.completionTokens(), events.length, -1, events);
    }

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
