package io.edgenode.server.live;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;

/**
 * One session as its live clients see it: who is connected, the running turn's log, the recently
 * finished ones (for resuming), and the disconnect grace of the running turn. Thread-safe: every
 * method takes this object's lock briefly and never blocks or calls a client under it except to
 * queue (clients only queue, see {@link LiveClient}).
 *
 * <p>Watchers: a running turn is watched by its WebSocket clients and by its open streams (the
 * HTTP client that sent it, clients that resumed it). When the last watcher leaves, the turn gets
 * {@link LiveSettings#disconnectGrace()} to finish (it is stored when it does); if nobody came back
 * by then, it is cancelled. A turn nobody watches is never left running forever.
 */
public final class LiveSession {
    private final String id;
    private final LiveHub hub;
    private final Set<LiveClient> clients = new LinkedHashSet<>(); // guarded by this
    private final ArrayDeque<TurnLog> recent = new ArrayDeque<>();  // guarded by this; the running one last
    private TurnLog running;                                        // guarded by this
    private int streams;                                            // guarded by this: open streams on `running`
    private ScheduledFuture<?> grace;                               // guarded by this

    LiveSession(String id, LiveHub hub) {
        this.id = id;
        this.hub = hub;
    }

    public String id() {
        return id;
    }

    /**
     * A turn begins: its log, which every connected client starts to follow now. {@code inputJson}
     * is the turn's new messages (a JSON array).
     */
    TurnLog beginTurn(int turn, String requestId, String source, String inputJson) {
        TurnLog log = new TurnLog(id, turn, requestId, source, inputJson, hub.executor());
        List<LiveClient> following;
        synchronized (this) {
            running = log;
            streams = 0;
            recent.removeIf(l -> l.turn() == turn); // a retried turn index replaces the failed attempt's log
            recent.addLast(log);
            while (recent.size() > hub.settings().retainTurns() && recent.peekFirst() != log) {
                recent.removeFirst();
            }
            following = new ArrayList<>(clients);
        }
        log.onComplete(() -> ended(log));
        for (LiveClient c : following) {
            c.follow(log);
        }
        return log;
    }

    private void ended(TurnLog log) {
        synchronized (this) {
            if (running == log) {
                running = null;
                streams = 0;
                cancelGrace();
            }
        }
    }

    /** The running turn's log, if a turn runs. */
    public synchronized Optional<TurnLog> running() {
        return Optional.ofNullable(running);
    }

    /** The log of turn {@code turn}, running or kept for resuming. */
    public synchronized Optional<TurnLog> turn(int turn) {
        for (TurnLog l : recent) {
            if (l.turn() == turn) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    /**
     * A WebSocket client joins: false when the session is full. A running turn is followed from its
     * first event. Everyone (the newcomer too) hears the new presence count.
     */
    boolean join(LiveClient c) {
        TurnLog now;
        List<LiveClient> all;
        synchronized (this) {
            if (clients.size() >= hub.settings().maxClientsPerSession()) {
                return false;
            }
            clients.add(c);
            now = running;
            cancelGrace();
            all = new ArrayList<>(clients);
        }
        if (now != null) {
            c.follow(now);
        }
        String presence = LiveMessages.presence(id, all.size());
        all.forEach(x -> x.send(presence));
        return true;
    }

    /** A WebSocket client left (its connection closed). */
    public void leave(LiveClient c) {
        List<LiveClient> rest;
        synchronized (this) {
            if (!clients.remove(c)) {
                return;
            }
            rest = new ArrayList<>(clients);
            armGraceIfUnwatched();
        }
        String presence = LiveMessages.presence(id, rest.size());
        rest.forEach(x -> x.send(presence));
    }

    public synchronized int clientCount() {
        return clients.size();
    }

    /** Sends {@code json} to every connected client. */
    public void broadcast(String json) {
        List<LiveClient> all;
        synchronized (this) {
            all = new ArrayList<>(clients);
        }
        all.forEach(c -> c.send(json));
    }

    /** Closes every client (the session was deleted, the node stops). */
    public void closeAll(int code, String reason) {
        List<LiveClient> all;
        synchronized (this) {
            all = new ArrayList<>(clients);
        }
        all.forEach(c -> c.close(code, reason));
    }

    /**
     * An open stream on {@code log} (the sender's own response, or a resumed stream). Closing the
     * returned watch (idempotent) is the stream leaving, finished or not.
     */
    public AutoCloseable watch(TurnLog log) {
        synchronized (this) {
            if (running == log) {
                streams++;
                cancelGrace();
            }
        }
        var closed = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                synchronized (this) {
                    if (running == log) {
                        streams--;
                        armGraceIfUnwatched();
                    }
                }
            }
        };
    }

    /** Cancels the running turn, if any; false when none runs. */
    public boolean cancelRunning() {
        TurnLog r;
        synchronized (this) {
            r = running;
        }
        if (r == null) {
            return false;
        }
        r.cancel();
        return true;
    }

    private void armGraceIfUnwatched() {
        if (running == null || streams > 0 || !clients.isEmpty() || grace != null) {
            return;
        }
        TurnLog watched = running;
        grace = hub.schedule(hub.settings().disconnectGrace(), () -> graceOver(watched));
    }

    private void graceOver(TurnLog watched) {
        synchronized (this) {
            grace = null;
            if (running != watched || streams > 0 || !clients.isEmpty()) {
                return;
            }
        }
        watched.cancel(); // nobody came back: the KV goes back to others
    }

    private void cancelGrace() {
        if (grace != null) {
            grace.cancel(false);
            grace = null;
        }
    }

    /** Whether the hub may forget this session: no clients, no running turn, no log young enough to resume. */
    synchronized boolean idle(long nowNanos) {
        long keep = hub.settings().retainFor().toNanos();
        recent.removeIf(l -> l.isComplete() && nowNanos - l.completedAtNanos() > keep);
        return clients.isEmpty() && running == null && recent.isEmpty();
    }
}
