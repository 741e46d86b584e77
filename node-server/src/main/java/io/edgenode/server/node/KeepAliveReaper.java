package io.edgenode.server.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Owns one daemon thread, {@code edgenode-keep-alive}: unloads models idle past their
 * {@code keep_alive}. The thread ticks every {@value #TICK_MILLIS} ms: it asks the slots to
 * detach what {@link #expired} picks (under their lock, bookkeeping only) and frees those models
 * itself, after the lock is released. The decision is a pure function, testable without a model.
 */
final class KeepAliveReaper implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KeepAliveReaper.class.getName());
    static final long TICK_MILLIS = 200;

    private final ModelSlots slots;
    private final ScheduledExecutorService thread;

    /**
     * A model as the reaper sees it.
     *
     * @param loaded in memory and serving (a loading or failed model has nothing to unload)
     * @param leases running or queued generations on it
     * @param keepAlive how long it may stay idle; empty: forever
     * @param lastUsedNanos when its last lease was taken or returned ({@link System#nanoTime})
     */
    record Candidate(String id, boolean loaded, int leases, Optional<Duration> keepAlive, long lastUsedNanos) {
        Candidate {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(keepAlive, "keepAlive");
        }
    }

    /** Starts ticking over {@code slots}. */
    KeepAliveReaper(ModelSlots slots) {
        this.slots = Objects.requireNonNull(slots, "slots");
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "edgenode-keep-alive");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * The ids, in the given order, of the models to unload at {@code nowNanos}: loaded, without a
     * lease, with a keep-alive, and idle for at least that long.
     */
    static List<String> expired(List<Candidate> candidates, long nowNanos) {
        List<String> out = new ArrayList<>();
        for (Candidate c : candidates) {
            if (c.loaded() && c.leases() == 0 && c.keepAlive().isPresent()
                    && nowNanos - c.lastUsedNanos() >= c.keepAlive().get().toNanos()) {
                out.add(c.id());
            }
        }
        return out;
    }

    /** Never throws: an exception would end the schedule, and with it every later unload. */
    private void tick() {
        List<LoadedModel> expired;
        try {
            expired = slots.detachExpired(System.nanoTime());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "keep-alive check failed", e);
            return;
        }
        for (LoadedModel m : expired) {
            try {
                ModelLoader.free(m, "unloaded after its keep_alive (" + m.spec().keepAlive().get() + ") idle");
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "unloading " + m.id() + " failed", e);
            }
        }
    }

    /** Stops the thread; a tick under way is interrupted. Models detached by a tick are that tick's to free. */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
