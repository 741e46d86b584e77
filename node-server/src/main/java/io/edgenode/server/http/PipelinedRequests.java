package io.edgenode.server.http;

import io.netty.handler.codec.http.FullHttpRequest;
import java.util.ArrayDeque;

/**
 * The requests a connection sent behind the one running (HTTP/1.1 pipelining), bounded by count
 * and by body bytes. Event-loop only (one per connection). The bounds do not refuse anything:
 * over either, the connection stops reading ({@code autoRead} off) until the queue drains, so a
 * client cannot make the node buffer more than the bounds plus one read's worth of requests.
 * The queue holds a reference to each request it keeps; {@link #clear} releases them.
 */
final class PipelinedRequests {
    private final int maxRequests;
    private final long maxBytes;
    private final ArrayDeque<FullHttpRequest> queue = new ArrayDeque<>();
    private long bytes;

    PipelinedRequests(int maxRequests, long maxBytes) {
        this.maxRequests = maxRequests;
        this.maxBytes = maxBytes;
    }

    /** Keeps {@code req} (retained) to run after those before it. */
    void add(FullHttpRequest req) {
        queue.add(req.retain());
        bytes += req.content().readableBytes();
    }

    /** The next request (the caller releases it), or null. */
    FullHttpRequest poll() {
        FullHttpRequest r = queue.poll();
        if (r != null) {
            bytes -= r.content().readableBytes();
        }
        return r;
    }

    /** Whether reading should stop until the queue drains. */
    boolean isFull() {
        return queue.size() >= maxRequests || bytes >= maxBytes;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    int size() {
        return queue.size();
    }

    long bytes() {
        return bytes;
    }

    /** Releases every queued request (the connection is gone). */
    void clear() {
        for (FullHttpRequest r; (r = queue.poll()) != null; ) {
            r.release();
        }
        bytes = 0;
    }
}
