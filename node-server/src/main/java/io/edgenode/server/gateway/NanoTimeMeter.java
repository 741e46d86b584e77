package io.edgenode.server.gateway;

import io.github.bucket4j.TimeMeter;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Bucket4j's clock backed by a nano-time source: {@code System::nanoTime} in the node, a fake
 * clock in tests (so refill is driven by the test, never by sleeping). Thread-safe if the source is.
 */
public final class NanoTimeMeter implements TimeMeter {
    private final LongSupplier nanos;

    public NanoTimeMeter(LongSupplier nanos) {
        this.nanos = Objects.requireNonNull(nanos, "nanos");
    }

    @Override
    public long currentTimeNanos() {
        return nanos.getAsLong();
    }

    @Override
    public boolean isWallClockBased() {
        return false; // monotonic: Bucket4j must not assume it is comparable across machines
    }
}
