package io.edgenode.bench.load;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds that turn a stalled endpoint into a {@code timeout} error instead of a hang. Immutable.
 *
 * @param connect  opening a connection
 * @param response from sending the request to the response's status line and headers
 * @param idle     between two lines of the response body (a stream that stops sending)
 * @param request  the whole request, send to the end of the body (a stream that trickles forever)
 */
public record Timeouts(Duration connect, Duration response, Duration idle, Duration request) {
    public Timeouts {
        for (Duration d : new Duration[] {connect, response, idle, request}) {
            Objects.requireNonNull(d, "timeout");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive: " + d);
            }
        }
    }

    public static Timeouts defaults() {
        return new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(30),
                Duration.ofSeconds(600));
    }
}
