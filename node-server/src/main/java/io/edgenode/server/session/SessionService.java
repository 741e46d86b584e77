package io.edgenode.server.session;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The node's sessions: the store, the per-session gate, KV hibernation and the expiry sweeper.
 * Thread-safe; every method may block (virtual threads only).
 *
 * <p>A store that cannot be opened (a read-only or missing data directory, a corrupt database)
 * does not stop the node: stateless requests go on, session requests get a 503 naming the cause,
 * and opening is retried at most every {@link #REOPEN_INTERVAL} so a fixed directory comes back
 * without a restart.
 */
public final class SessionService implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SessionService.class.getName());
    static final Duration REOPEN_INTERVAL = Duration.ofSeconds(5);

    private final SessionSettings settings;
    private final SessionGate gate = new SessionGate();
    private final ModelDigests digests;
    private final KvHibernation kv;
    private final Thread sweeper;
    private SessionStore store;                 // guarded by this
    private SessionStoreException openFailure;  // guarded by this
    private long lastOpenAttemptNanos;          // guarded by this
    private volatile boolean closed;

    private SessionService(SessionSettings settings, ModelDigests digests, KvHibernation kv) {
        this.settings = settings;
        this.digests = digests;
        this.kv = kv;
        this.sweeper = Thread.ofVirtual().name("edgenode-session-sweeper").unstarted(this::sweepLoop);
    }

    /** Opens the store (or remembers why it could not) and starts the expiry sweeper. */
    public static SessionService start(SessionSettings settings) {
        Objects.requireNonNull(settings, "settings");
        KvHibernation kv = null;
        ModelDigests digests = new ModelDigests(settings.dataDir());
        if (settings.kvDiskBudgetBytes() > 0) {
            try {
                kv = new KvHibernation(new KvSnapshotStore(settings.dataDir(), settings.kvDiskBudgetBytes()), digests);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "KV hibernation disabled: cannot use {0}/kv: {1}",
                        settings.dataDir(), e.getMessage());
            }
        }
        SessionService s = new SessionService(settings, digests, kv);
        try {
            s.store();
        } catch (SessionStoreException e) {
            LOG.log(System.Logger.Level.ERROR, "session store unavailable: " + e.getMessage());
        }
        s.sweeper.start();
        return s;
    }

    public SessionSettings settings() {
        return settings;
    }

    public SessionGate gate() {
        return gate;
    }

    public ModelDigests digests() {
        return digests;
    }

    /** KV hibernation, or null when disabled (budget 0, or the kv directory is unusable). */
    public KvHibernation kv() {
        return kv;
    }

    /** The open store; UNAVAILABLE (with the cause) while it cannot be opened. */
    public synchronized SessionStore store() throws SessionStoreException {
        if (closed) {
            throw new SessionStoreException(SessionStoreException.Kind.UNAVAILABLE, "the node is shutting down");
        }
        if (store != null) {
            return store;
        }
        long now = System.nanoTime();
        if (openFailure != null && now - lastOpenAttemptNanos < REOPEN_INTERVAL.toNanos()) {
            throw openFailure;
        }
        lastOpenAttemptNanos = now;
        try {
            store = SqliteSessionStore.open(settings.dataDir());
            openFailure = null;
            return store;
        } catch (SessionStoreException e) {
            openFailure = e;
            throw e;
        }
    }

    /** Deletes the session's rows and its KV snapshot; false when it did not exist. */
    public boolean delete(String sessionId) throws SessionStoreException, IOException {
        boolean existed = store().delete(sessionId);
        if (kv != null) {
            kv.delete(sessionId);
        }
        return existed;
    }

    /** Deletes expired sessions and their snapshots; returns how many. */
    public int sweepExpired() throws SessionStoreException {
        int total = 0;
        List<String> ids;
        do {
            ids = store().deleteExpired(System.currentTimeMillis(), 100);
            for (String id : ids) {
                if (kv != null) {
                    try {
                        kv.delete(id);
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.WARNING, "KV snapshot of expired session {0}: {1}", id,
                                e.getMessage());
                    }
                }
            }
            total += ids.size();
        } while (ids.size() == 100);
        return total;
    }

    private void sweepLoop() {
        while (!closed) {
            try {
                Thread.sleep(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                return;
            }
            try {
                int n = sweepExpired();
                if (n > 0) {
                    LOG.log(System.Logger.Level.INFO, "deleted {0} expired sessions", n);
                }
            } catch (SessionStoreException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "session sweep failed: " + e.getMessage());
            }
        }
    }

    /** Stops the sweeper, lets queued KV snapshots reach the disk, closes the store. */
    @Override
    public void close() {
        closed = true;
        sweeper.interrupt();
        if (kv != null) {
            kv.close();
        }
        synchronized (this) {
            if (store != null) {
                store.close();
                store = null;
            }
        }
    }
}
