package io.edgenode.server.session;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One writer per session, like a Durable Object's input gate: a turn holds its session's permit
 * from reading the history until its reply is stored (or it failed), and later turns of the same
 * session wait in arrival order (a fair semaphore). Thread-safe; callers block on virtual threads.
 *
 * <p>Entries exist only while a session has a holder or waiters, so the map stays as large as
 * the number of sessions in flight, not the number ever seen.
 */
public final class SessionGate {
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    private static final class Entry {
        final Semaphore permit = new Semaphore(1, true);
        int users; // guarded by the map's compute on this key
    }

    /** A held turn; closing it lets the next turn of the session in. Idempotent. */
    public final class Permit implements AutoCloseable {
        private final String sessionId;
        private final Entry entry;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(String sessionId, Entry entry) {
            this.sessionId = sessionId;
            this.entry = entry;
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                entry.permit.release();
                leave(sessionId);
            }
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for the session's turn.
     *
     * @return the permit, or null when the wait timed out
     */
    public Permit enter(String sessionId, long timeoutMillis) throws InterruptedException {
        Entry e = entries.compute(sessionId, (k, v) -> {
            Entry entry = v == null ? new Entry() : v;
            entry.users++;
            return entry;
        });
        boolean acquired = false;
        try {
            acquired = e.permit.tryAcquire(timeoutMillis, TimeUnit.MILLISECONDS);
        } finally {
            if (!acquired) {
                leave(sessionId);
            }
        }
        return acquired ? new Permit(sessionId, e) : null;
    }

    private void leave(String sessionId) {
        entries.computeIfPresent(sessionId, (k, v) -> --v.users == 0 ? null : v);
    }

    /** Sessions with a running or waiting turn (tests, metrics). */
    public int sessionsInFlight() {
        return entries.size();
    }
}
