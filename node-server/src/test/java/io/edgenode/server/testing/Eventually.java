package io.edgenode.server.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The one way tests wait for something that happens on another thread: poll a condition until it
 * holds or a deadline passes (then fail with what was awaited). No bare sleeps in tests.
 */
public final class Eventually {
    private static final long POLL_MILLIS = 5;

    private Eventually() {}

    /** Waits until {@code condition} holds, at most {@code within}; fails naming {@code what}. */
    public static void until(Duration within, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + within.toMillis() + " ms: " + what);
            }
            pause();
        }
    }

    /** As {@link #until}, running {@code step} before each check (a GC, an event loop's pending tasks). */
    public static void until(Duration within, String what, Runnable step, BooleanSupplier condition) {
        until(within, what, () -> {
            step.run();
            return condition.getAsBoolean();
        });
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
