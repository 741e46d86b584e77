package io.edgenode.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgenode.server.node.KeepAliveReaper.Candidate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The reaper's decision alone: which models are idle past their keep-alive. */
class KeepAliveReaperTest {
    static final long SECOND = Duration.ofSeconds(1).toNanos();
    static final Optional<Duration> FIVE_SECONDS = Optional.of(Duration.ofSeconds(5));

    @Test
    void shouldPickOnlyLoadedIdleModelsPastTheirKeepAlive() {
        long now = 100 * SECOND;
        List<Candidate> models = List.of(
                new Candidate("expired", true, 0, FIVE_SECONDS, now - 6 * SECOND),
                new Candidate("recent", true, 0, FIVE_SECONDS, now - 4 * SECOND),
                new Candidate("busy", true, 1, FIVE_SECONDS, now - 60 * SECOND),
                new Candidate("forever", true, 0, Optional.empty(), now - 600 * SECOND),
                new Candidate("loading", false, 0, FIVE_SECONDS, now - 60 * SECOND),
                new Candidate("also-expired", true, 0, Optional.of(Duration.ofSeconds(1)), now - 2 * SECOND));
        assertEquals(List.of("expired", "also-expired"), KeepAliveReaper.expired(models, now));
    }

    @Test
    void shouldExpireExactlyAtTheKeepAliveAndNotANanosecondBefore() {
        long lastUsed = 7 * SECOND;
        var model = List.of(new Candidate("m", true, 0, FIVE_SECONDS, lastUsed));
        assertEquals(List.of(), KeepAliveReaper.expired(model, lastUsed + 5 * SECOND - 1));
        assertEquals(List.of("m"), KeepAliveReaper.expired(model, lastUsed + 5 * SECOND));
    }

    @Test
    void shouldMeasureIdleTimeAcrossTheNanoTimeWrap() {
        // System.nanoTime may be negative and wraps; only differences count
        long lastUsed = Long.MAX_VALUE - SECOND;
        long now = lastUsed + 6 * SECOND; // overflowed to a negative value
        assertEquals(List.of("m"), KeepAliveReaper.expired(
                List.of(new Candidate("m", true, 0, FIVE_SECONDS, lastUsed)), now));
    }

    @Test
    void shouldExpireAZeroKeepAliveAsSoonAsTheLastLeaseIsReturned() {
        var model = List.of(new Candidate("m", true, 0, Optional.of(Duration.ZERO), 42));
        assertEquals(List.of("m"), KeepAliveReaper.expired(model, 42));
    }
}
