package io.edgenode.server.live;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The node's live sessions: those with connected clients, a running turn, or a finished turn
 * kept for resuming. Thread-safe. Owns one platform thread, {@code edgenode-live}, which signals
 * the readers of turn logs (so that the decode thread hands off one task per event whatever the
 * number of watchers), runs the disconnect-grace timers and sweeps idle sessions every 30 s.
 */
public final class LiveHub implements AutoCloseable {
    static final int CLOSE_GOING_AWAY = 1001;

    private final LiveSettings settings;
    private final ConcurrentHashMap<String, LiveSession> sessions = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor executor;

    public LiveHub(LiveSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "edgenode-live");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.scheduleWithFixedDelay(this::sweep, 30, 30, TimeUnit.SECONDS);
    }

    public LiveSettings settings() {
        return settings;
    }

    Executor executor() {
        return executor;
    }

    ScheduledFuture<?> schedule(Duration after, Runnable r) {
        return executor.schedule(r, after.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * A turn of session {@code id} begins (see {@link LiveSession#beginTurn}). Done inside the map's
     * update of the key, so the sweep cannot forget the session between its lookup and its use.
     */
    public TurnLog beginTurn(String id, int turn, String requestId, String source, String inputJson) {
        TurnLog[] log = new TurnLog[1];
        sessions.compute(id, (k, v) -> {
            LiveSession s = v != null ? v : new LiveSession(k, this);
            log[0] = s.beginTurn(turn, requestId, source, inputJson);
            return s;
        });
        return log[0];
    }

    /** A client joins session {@code id} (see {@link LiveSession#join}); empty when the session is full. */
    public Optional<LiveSession> join(String id, LiveClient client) {
        LiveSession[] joined = new LiveSession[1];
        sessions.compute(id, (k, v) -> {
            LiveSession s = v != null ? v : new LiveSession(k, this);
            if (s.join(client)) {
                joined[0] = s;
            }
            return s;
        });
        return Optional.ofNullable(joined[0]);
    }

    /** The live session {@code id} if it exists now. */
    public Optional<LiveSession> existing(String id) {
        return Optional.ofNullable(sessions.get(id));
    }

    /** An open stream's watch on the running turn {@code log} (see {@link LiveSession#watch}). */
    public AutoCloseable watch(TurnLog log) {
        LiveSession s = sessions.get(log.sessionId());
        return s == null ? () -> { } : s.watch(log);
    }

    /** Connected WebSocket clients over all sessions (metrics). */
    public int clientCount() {
        return sessions.values().stream().mapToInt(LiveSession::clientCount).sum();
    }

    /** Sessions the hub holds now (tests, metrics). */
    public int sessionCount() {
        return sessions.size();
    }

    /** A session was deleted: its clients are told so and disconnected; its logs are forgotten. */
    public void deleted(String id) {
        LiveSession s = sessions.remove(id);
        if (s != null) {
            s.cancelRunning();
            s.closeAll(4404, "session deleted");
        }
    }

    /** Forgets idle sessions (under the map's lock of each key: see {@link #join}). */
    void sweep() {
        long now = System.nanoTime();
        for (String id : sessions.keySet()) {
            sessions.computeIfPresent(id, (k, s) -> s.idle(now) ? null : s);
        }
    }

    /** Closes every client (going away) and stops the thread. */
    @Override
    public void close() {
        sessions.values().forEach(s -> s.closeAll(CLOSE_GOING_AWAY, "node shutting down"));
        executor.shutdownNow();
    }
}
