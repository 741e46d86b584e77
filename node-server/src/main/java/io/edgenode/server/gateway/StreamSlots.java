package io.edgenode.server.gateway;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Running generations per key, against each key's {@link KeyScopes#maxConcurrentStreams()}.
 * Thread-safe: acquired on request threads, released on the engine's decode thread. A key's
 * counter leaves the map when it drops to zero, so revoked or idle keys hold no memory.
 */
public final class StreamSlots {
    private final ConcurrentHashMap<String, AtomicInteger> running = new ConcurrentHashMap<>();

    /** Takes one of {@code max} slots of {@code keyId} (max 0: unlimited, still counted); false when all are taken. */
    public boolean tryAcquire(String keyId, int max) {
        boolean[] ok = {false};
        running.compute(keyId, (k, n) -> {
            AtomicInteger c = n == null ? new AtomicInteger() : n;
            if (max == 0 || c.get() < max) {
                c.incrementAndGet();
                ok[0] = true;
            }
            return c.get() == 0 ? null : c;
        });
        return ok[0];
    }

    public void release(String keyId) {
        running.computeIfPresent(keyId, (k, c) -> c.decrementAndGet() <= 0 ? null : c);
    }

    /** Generations {@code keyId} has running now. */
    public int running(String keyId) {
        AtomicInteger c = running.get(keyId);
        return c == null ? 0 : c.get();
    }
}
