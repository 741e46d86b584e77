package io.edgenode.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How long and how much one client connection may hold the node: the {@code server.connections}
 * section of models.yaml. The defaults suit a public edge box (nginx's habits, tighter where a
 * slow client costs a connection slot): a client that trickles its headers or body is closed, an
 * idle keep-alive connection is closed after {@code idleTimeout}, and a connection that pipelines
 * more than it may is not read further until its queue drains. A response being generated or
 * streamed is never cut by these.
 *
 * @param headerTimeout from a request's first byte to the end of its headers
 * @param bodyTimeout from the end of the headers to the end of the body
 * @param idleTimeout a connection with no request in flight and no traffic this long is closed
 * @param maxPipelinedRequests requests queued behind the one running before reading stops
 * @param maxPipelinedBytes body bytes queued behind the one running before reading stops
 */
public record ConnectionLimits(Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout,
        int maxPipelinedRequests, long maxPipelinedBytes) {
    public static final ConnectionLimits DEFAULTS = new ConnectionLimits(Duration.ofSeconds(20),
            Duration.ofSeconds(60), Duration.ofSeconds(75), 16, 1024 * 1024);

    public ConnectionLimits {
        positive(headerTimeout, "header timeout");
        positive(bodyTimeout, "body timeout");
        positive(idleTimeout, "idle timeout");
        if (maxPipelinedRequests < 1) {
            throw new IllegalArgumentException("max pipelined requests must be >= 1: " + maxPipelinedRequests);
        }
        if (maxPipelinedBytes < 1) {
            throw new IllegalArgumentException("max pipelined bytes must be >= 1: " + maxPipelinedBytes);
        }
    }

    private static void positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
    }
}
