package io.edgenode.server.session;

import io.edgenode.core.engine.KvState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sessions' KV snapshots on disk: the engine captures a sequence's KV at the end of a turn, this
 * writes it beside the database, and the next turn (also after a restart) restores it. Reads run
 * on the caller's virtual thread; writes and deletes run in order on one writer thread, so a
 * session's older snapshot never overwrites a newer one and a delete follows the writes queued
 * before it. Thread-safe.
 *
 * <p>A snapshot is keyed by session and the model file's sha256 ({@link ModelDigests}); while the
 * digest of a model is still being computed, its turns neither save nor restore (they prefill).
 * Writes are bounded by bytes waiting ({@link #MAX_PENDING_BYTES}); beyond it a snapshot is
 * dropped (logged): the next turn then prefills, nothing is wrong.
 */
public final class KvHibernation implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KvHibernation.class.getName());
    static final long MAX_PENDING_BYTES = 512L << 20;

    private final KvSnapshotStore snapshots;
    private final ModelDigests digests;
    private final ThreadPoolExecutor writer;
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    /** How long a restore waits for the model file's digest (see {@link #restore}). */
    static final long RESTORE_DIGEST_WAIT_MILLIS = 1000;

    public KvHibernation(KvSnapshotStore snapshots, ModelDigests digests) {
        this.snapshots = snapshots;
        this.digests = digests;
        this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(256),
                Thread.ofPlatform().name("edgenode-kv-writer").daemon(true).factory());
    }

    /** The session's snapshot for this model file, if one is stored and intact. Blocking. */
    public Optional<KvState> restore(String sessionId, Path modelFile) {
        // A fresh process knows the digest from its cache file only once the lookup's virtual
        // thread ran: wait for it briefly (a cache hit takes microseconds; an uncached multi-GB
        // file is not waited for, and the turn prefills instead).
        Optional<String> sha;
        try {
            sha = Optional.of(digests.digest(modelFile).get(RESTORE_DIGEST_WAIT_MILLIS, TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException | TimeoutException e) {
            sha = Optional.empty();
        }
        if (sha.isEmpty()) {
            return Optional.empty();
        }
        return snapshots.read(sessionId, sha.get());
    }

    /**
     * Queues the turn's snapshot for writing; never blocks. Takes ownership of {@code kv}: it is closed once written,
     * or at once when it is not written (digest not ready, writer behind or closed).
     */
    public void save(String sessionId, Path modelFile, KvState kv) {
        Optional<String> sha = digests.digestIfReady(modelFile);
        if (sha.isEmpty()) {
            kv.close();
            return;
        }
        long bytes = kv.stateBytes();
        if (pendingBytes.addAndGet(bytes) > MAX_PENDING_BYTES) {
            pendingBytes.addAndGet(-bytes);
            kv.close();
            drop(sessionId, "writer is behind");
            return;
        }
        try {
            writer.execute(new PendingWrite(sessionId, sha.get(), kv));
        } catch (RejectedExecutionException e) {
            pendingBytes.addAndGet(-bytes);
            kv.close();
            drop(sessionId, "writer queue full or closed");
        }
    }

    /** One queued snapshot: it owns the KV state until it has been written, or discarded at shutdown. */
    private final class PendingWrite implements Runnable {
        private final String sessionId;
        private final String modelSha256;
        private final KvState kv;

        PendingWrite(String sessionId, String modelSha256, KvState kv) {
            this.sessionId = sessionId;
            this.modelSha256 = modelSha256;
            this.kv = kv;
        }

        @Override
        public void run() {
            try (kv) {
                snapshots.write(sessionId, new KvSnapshot(modelSha256, kv.tokens(), kv.state()));
                written.incrementAndGet();
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "KV snapshot of session {0} not written: {1}", sessionId,
                        e.getMessage());
            } finally {
                pendingBytes.addAndGet(-kv.stateBytes());
            }
        }

        void discard() {
            pendingBytes.addAndGet(-kv.stateBytes());
            kv.close();
            drop(sessionId, "writer shut down");
        }
    }

    private void drop(String sessionId, String why) {
        dropped.incrementAndGet();
        LOG.log(System.Logger.Level.WARNING, "KV snapshot of session {0} dropped: {1}", sessionId, why);
    }

    /** Deletes the session's snapshot after the writes queued before; waits for it. */
    public void delete(String sessionId) throws IOException {
        Future<?> f;
        try {
            f = writer.submit(() -> {
                snapshots.delete(sessionId);
                return null;
            });
        } catch (RejectedExecutionException e) {
            snapshots.delete(sessionId); // closed: no write can race any more
            return;
        }
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("KV snapshot delete timed out");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    public long usedBytes() {
        return snapshots.usedBytes();
    }

    public long snapshotsWritten() {
        return written.get();
    }

    public long snapshotsDropped() {
        return dropped.get();
    }

    /** Waits until queued writes are on disk (tests, benchmarks, shutdown). */
    public boolean flush(Duration timeout) {
        Future<?> f = writer.submit(() -> {});
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Lets queued snapshots reach the disk (up to 30 s), then stops the writer. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "KV snapshot writer did not finish in 30 s");
                discardQueued();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            discardQueued();
        }
    }

    /** Stops the writer; snapshots it never started are freed, not leaked. */
    private void discardQueued() {
        for (Runnable r : writer.shutdownNow()) {
            if (r instanceof PendingWrite w) {
                w.discard();
            }
        }
    }
}
