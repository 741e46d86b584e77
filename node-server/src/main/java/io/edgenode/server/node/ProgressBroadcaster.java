package io.edgenode.server.node;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Thread-safe under its own monitor: one model download's progress, fanned out to any number of
 * watchers. The monitor guards the watcher list and the last event, and events are delivered
 * under it, so every watcher hears them in order, the replayed last event first, and the final
 * event exactly once.
 *
 * <p>Watchers therefore must not block or call back into the registry (the admin SSE stream
 * hands each event to its channel's event loop; a load waiter hears nothing). The monitor is the
 * broadcaster's own, never the registry's, and it is taken on the download's thread, the
 * subscriber's thread, and nowhere under the registry's lock.
 *
 * <p>Leaving: {@link Subscription#close} stops the progress events and drops the watcher at once;
 * the subscription's {@link Subscription#result} still completes when the download ends.
 * Cancelling that result leaves as well. Once the download has ended the list is empty, and a
 * late subscriber hears the final event and gets a completed result.
 */
final class ProgressBroadcaster {
    private static final System.Logger LOG = System.getLogger(ProgressBroadcaster.class.getName());
    private final String modelId;
    private final CompletableFuture<Path> done = new CompletableFuture<>();
    private final List<Subscription> watchers = new ArrayList<>(); // guarded by this
    private volatile FetchProgress last;                           // written under this

    ProgressBroadcaster(String modelId) {
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.last = new FetchProgress(modelId, 0, -1, FetchProgress.State.STARTING, Optional.empty());
    }

    /** A watcher's place in the fan-out. */
    final class Subscription implements AutoCloseable {
        private Consumer<FetchProgress> watcher; // guarded by the broadcaster; null once left
        private final CompletableFuture<Path> result;

        private Subscription(Consumer<FetchProgress> watcher) {
            this.watcher = watcher;
            // copy(): each subscriber may cancel its own result without touching the download's
            this.result = done.copy();
            result.whenComplete((path, error) -> {
                if (result.isCancelled()) {
                    close();
                }
            });
        }

        /** The file once the download is complete and verified, or the reason it failed. */
        CompletableFuture<Path> result() {
            return result;
        }

        /** Stops this watcher's events; idempotent. */
        @Override
        public void close() {
            synchronized (ProgressBroadcaster.this) {
                watcher = null;
                watchers.remove(this);
            }
        }
    }

    /** Joins the fan-out: {@code watcher} hears the last event now, then every later one. */
    synchronized Subscription subscribe(Consumer<FetchProgress> watcher) {
        Objects.requireNonNull(watcher, "watcher");
        Subscription s = new Subscription(watcher);
        watchers.add(s);
        hear(s, last);
        if (last.isFinal()) {
            s.watcher = null;
            watchers.remove(s);
        }
        return s;
    }

    /**
     * A step reported by the fetcher. Final events are not passed on: the broadcaster sends its
     * own, once, from {@link #complete} or {@link #fail}, whatever the fetcher reported.
     */
    synchronized void progress(FetchProgress p) {
        if (!p.isFinal() && !last.isFinal()) {
            deliver(p);
        }
    }

    /** The download is published at {@code path} ({@code sizeBytes} long): DONE to everyone. */
    void complete(Path path, long sizeBytes) {
        synchronized (this) {
            if (last.isFinal()) {
                return;
            }
            deliver(new FetchProgress(modelId, sizeBytes, sizeBytes, FetchProgress.State.DONE, Optional.empty()));
            watchers.clear();
        }
        done.complete(path);
    }

    /** The download failed: FAILED with the reason to everyone. */
    void fail(Throwable error) {
        synchronized (this) {
            if (last.isFinal()) {
                return;
            }
            deliver(new FetchProgress(modelId, last.bytesDone(), -1, FetchProgress.State.FAILED,
                    Optional.of(ModelFiles.message(error))));
            watchers.clear();
        }
        done.completeExceptionally(error);
    }

    /** The last event while the download runs; empty once it has ended. Never blocks. */
    Optional<FetchProgress> current() {
        FetchProgress p = last;
        return p.isFinal() ? Optional.empty() : Optional.of(p);
    }

    /** How many watchers hear the events now. */
    synchronized int watcherCount() {
        return watchers.size();
    }

    private void deliver(FetchProgress p) {
        last = p;
        // A copy: a watcher may leave (close its subscription) while hearing an event.
        for (Subscription s : List.copyOf(watchers)) {
            if (s.watcher != null) {
                hear(s, p);
            }
        }
    }

    /** A watcher that throws is dropped: one broken stream must not stop the download or the others. */
    private void hear(Subscription s, FetchProgress p) {
        try {
            s.watcher.accept(p);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "a watcher of " + modelId + "'s download failed; dropped", e);
            s.watcher = null;
            watchers.remove(s);
        }
    }
}
