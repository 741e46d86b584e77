package io.edgenode.server.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.server.config.GatewaySettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The usage ledger's write side. {@link #record} is called from any thread (the engine's decode
 * thread, request threads) and only enqueues; everything else is confined to one platform daemon
 * thread, {@code edgenode-ledger}, which owns its own connection and writes rows in batches.
 *
 * <p>Invariants: the queue is bounded ({@link #DEFAULT_CAPACITY} rows): a full queue drops the row
 * and counts it ({@code edgenode_gateway_ledger_dropped_rows_total}), logged at most once a
 * minute, because a caller on the decode thread must never wait for the disk. A batch holds at
 * most {@code batchSize} rows and a row waits at most {@code flushInterval} for its batch. A batch
 * that fails (SQLITE_BUSY past the busy timeout, disk full) is retried with backoff, its rows kept,
 * {@value #MAX_ATTEMPTS} attempts in all; then it is logged and counted as dropped: the ledger is
 * an account of usage, not a reason to stop serving. Retention (rows whose started_at is older
 * than {@code retention}) runs at start and then hourly, on the writer thread.
 */
public final class UsageLedger implements AutoCloseable {
    static final int DEFAULT_CAPACITY = 100_000;
    static final int MAX_ATTEMPTS = 5;
    private static final long FIRST_BACKOFF_MILLIS = 50;
    private static final long RETENTION_EVERY_MILLIS = 3_600_000L;
    private static final long DROP_LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final System.Logger LOG = System.getLogger(UsageLedger.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String INSERT = """
            INSERT INTO usage (request_id, key_id, user, session_id, endpoint, requested_model, served_model,
                fallback_index, status, error_type, started_at, first_token_at, ended_at, prompt_tokens,
                cached_tokens, completion_tokens, compute_nanos, cost_nano_usd, cache_status, flags, metadata_json)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    /** A flush request: completed once every row queued before it is committed (or dropped). */
    private record Marker(CompletableFuture<Void> done, boolean stop) {}

    private final GatewaySettings.Ledger settings;
    private final GatewayMetrics metrics;
    private final InstantSource clock;
    private final BlockingQueue<Object> queue;
    private final Connection conn; // writer thread only (after the constructor)
    private final PreparedStatement insert;
    private final Thread writer;
    private final AtomicLong droppedSinceLog = new AtomicLong();
    private final AtomicLong lastDropLogNanos = new AtomicLong(System.nanoTime() - DROP_LOG_EVERY_NANOS);
    private volatile boolean closed;
    private long nextRetentionMillis; // writer thread only

    /** Starts the writer thread; rows older than the retention are deleted before the first batch. */
    public UsageLedger(GatewayDatabase db, GatewaySettings.Ledger settings, GatewayMetrics metrics,
            InstantSource clock) {
        this(db, settings, metrics, clock, DEFAULT_CAPACITY);
    }

    /** As the public constructor with a queue of {@code capacity} rows (tests use a tiny one). */
    UsageLedger(GatewayDatabase db, GatewaySettings.Ledger settings, GatewayMetrics metrics, InstantSource clock,
            int capacity) {
        Objects.requireNonNull(db, "db");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
        // markers (flush, close) are put with a blocking put: only rows are ever refused
        this.queue = new ArrayBlockingQueue<>(capacity);
        try {
            conn = db.connect();
            insert = conn.prepareStatement(INSERT);
        } catch (SQLException e) {
            throw new GatewayStoreException("cannot open the usage ledger on " + db.file() + ": " + e.getMessage(), e);
        }
        writer = Thread.ofPlatform().name("edgenode-ledger").daemon(true).unstarted(this::run);
        writer.start();
    }

    /**
     * Enqueues one row and counts it in the metrics; never blocks and never does I/O. A full
     * queue (or a closed ledger) drops the row and counts it as dropped.
     */
    public void record(UsageRecord r) {
        Objects.requireNonNull(r, "record");
        metrics.count(r);
        if (closed || !queue.offer(r)) {
            dropped(1);
            logDropsAtMostOncePerMinute();
        }
    }

    /**
     * Waits until every row enqueued before this call is committed (or, after failed retries,
     * dropped). Blocks; not for the decode thread.
     */
    public void flush() {
        if (!writer.isAlive()) {
            return;
        }
        Marker m = new Marker(new CompletableFuture<>(), false);
        put(m);
        m.done.join();
    }

    /** Writes everything still queued, then stops the writer and closes its connection. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            writer.interrupt(); // a second close: do not wait again
            return;
        }
        closed = true;
        Marker m = new Marker(new CompletableFuture<>(), true);
        put(m);
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void put(Marker m) {
        try {
            queue.put(m); // may wait for room: the callers of flush and close can wait
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayStoreException("interrupted while waiting for the usage ledger", e);
        }
    }

    private void dropped(long n) {
        metrics.droppedRows(n);
        droppedSinceLog.addAndGet(n);
    }

    private void logDropsAtMostOncePerMinute() {
        long now = System.nanoTime();
        long last = lastDropLogNanos.get();
        if (now - last >= DROP_LOG_EVERY_NANOS && lastDropLogNanos.compareAndSet(last, now)) {
            LOG.log(System.Logger.Level.WARNING, "usage ledger: " + droppedSinceLog.getAndSet(0)
                    + " rows dropped in the last minute (queue full or ledger closed)");
        }
    }

    // ---- writer thread ----

    private void run() {
        List<UsageRecord> batch = new ArrayList<>(settings.batchSize());
        List<Marker> markers = new ArrayList<>();
        try {
            retention();
            boolean stop = false;
            while (!stop) {
                Object first = queue.poll(Math.max(1, nextRetentionMillis - clock.millis()), TimeUnit.MILLISECONDS);
                if (first != null) {
                    stop = collect(first, batch, markers);
                }
                write(batch);
                batch.clear();
                if (clock.millis() >= nextRetentionMillis) {
                    retention();
                }
                for (Marker m : markers) {
                    m.done.complete(null);
                }
                markers.clear();
            }
        } catch (InterruptedException e) {
            // a second close(): give up what is left, counted as dropped
            List<Object> rest = new ArrayList<>();
            queue.drainTo(rest);
            long rows = rest.stream().filter(o -> o instanceof UsageRecord).count() + batch.size();
            dropped(rows);
            rest.stream().filter(o -> o instanceof Marker).forEach(o -> ((Marker) o).done.complete(null));
            markers.forEach(m -> m.done.complete(null));
        } finally {
            closeQuietly();
            // a record() that passed the closed check just before close() may land after the stop marker
            List<Object> late = new ArrayList<>();
            queue.drainTo(late);
            for (Object o : late) {
                if (o instanceof Marker m) {
                    m.done.complete(null);
                } else {
                    dropped(1);
                }
            }
        }
    }

    /**
     * Fills {@code batch} from {@code first} on, up to batchSize rows or flushInterval after the
     * first row, stopping early at a marker (its rows must be committed now). True at the stop marker.
     */
    private boolean collect(Object first, List<UsageRecord> batch, List<Marker> markers) throws InterruptedException {
        long deadline = System.nanoTime() + settings.flushInterval().toNanos();
        Object o = first;
        while (true) {
            if (o instanceof Marker m) {
                markers.add(m);
                if (m.stop) {
                    // close(): everything before the marker is already in the queue order; nothing may follow
                    // except rows raced in after closed was set: write them too
                    List<Object> rest = new ArrayList<>();
                    queue.drainTo(rest);
                    for (Object r : rest) {
                        if (r instanceof UsageRecord u) {
                            batch.add(u);
                            if (batch.size() >= settings.batchSize()) {
                                write(batch);
                                batch.clear();
                            }
                        } else {
                            markers.add((Marker) r);
                        }
                    }
                    return true;
                }
                return false;
            }
            batch.add((UsageRecord) o);
            if (batch.size() >= settings.batchSize()) {
                return false;
            }
            o = queue.poll();
            if (o == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                o = queue.poll(left, TimeUnit.NANOSECONDS);
                if (o == null) {
                    return false;
                }
            }
        }
    }

    /** One transaction per batch, retried with backoff; the rows are dropped (and counted) after the last try. */
    private void write(List<UsageRecord> batch) throws InterruptedException {
        if (batch.isEmpty()) {
            return;
        }
        long backoff = FIRST_BACKOFF_MILLIS;
        for (int attempt = 1; ; attempt++) {
            try {
                writeOnce(batch);
                metrics.rowsWritten(batch.size());
                return;
            } catch (SQLException e) {
                if (attempt >= MAX_ATTEMPTS) {
                    LOG.log(System.Logger.Level.ERROR, "usage ledger: dropping a batch of " + batch.size()
                            + " rows after " + attempt + " attempts: " + e.getMessage(), e);
                    dropped(batch.size());
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "usage ledger: batch of " + batch.size()
                        + " rows failed (attempt " + attempt + "), retrying in " + backoff + " ms: " + e.getMessage());
                Thread.sleep(backoff);
                backoff *= 2;
            }
        }
    }

    private void writeOnce(List<UsageRecord> batch) throws SQLException {
        conn.setAutoCommit(false);
        try {
            for (UsageRecord r : batch) {
                bind(insert, r);
                insert.addBatch();
            }
            insert.executeBatch();
            conn.commit();
        } catch (SQLException | RuntimeException e) {
            insert.clearBatch();
            try {
                conn.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } finally {
            conn.setAutoCommit(true);
        }
    }

    static void bind(PreparedStatement st, UsageRecord r) throws SQLException {
        int i = 1;
        st.setString(i++, r.requestId());
        setText(st, i++, r.keyId());
        setText(st, i++, r.user());
        setText(st, i++, r.sessionId());
        st.setString(i++, r.endpoint());
        setText(st, i++, r.requestedModel());
        setText(st, i++, r.servedModel());
        st.setInt(i++, r.fallbackIndex());
        st.setInt(i++, r.status());
        setText(st, i++, r.errorType());
        st.setLong(i++, r.startedAtMillis());
        st.setLong(i++, r.firstTokenAtMillis());
        st.setLong(i++, r.endedAtMillis());
        st.setInt(i++, r.promptTokens());
        st.setInt(i++, r.cachedTokens());
        st.setInt(i++, r.completionTokens());
        st.setLong(i++, r.computeNanos());
        st.setLong(i++, r.costNanoUsd());
        setText(st, i++, r.cacheStatus());
        setText(st, i++, r.flags());
        setText(st, i, r.metadata().isEmpty() ? null : metadataJson(r));
    }

    private static String metadataJson(UsageRecord r) {
        try {
            return JSON.writeValueAsString(r.metadata());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings always serializes", e);
        }
    }

    private static void setText(PreparedStatement st, int i, String s) throws SQLException {
        if (s == null) {
            st.setNull(i, Types.VARCHAR);
        } else {
            st.setString(i, s);
        }
    }

    private void retention() {
        long now = clock.millis();
        nextRetentionMillis = now + RETENTION_EVERY_MILLIS;
        long cutoff = now - settings.retention().toMillis();
        try (PreparedStatement st = conn.prepareStatement("DELETE FROM usage WHERE started_at < ?")) {
            st.setLong(1, cutoff);
            int n = st.executeUpdate();
            if (n > 0) {
                LOG.log(System.Logger.Level.INFO, "usage ledger: deleted " + n + " rows older than "
                        + settings.retention());
            }
        } catch (SQLException e) {
            // the next hour tries again; old rows only cost disk meanwhile
            LOG.log(System.Logger.Level.WARNING, "usage ledger: retention failed: " + e.getMessage());
        }
    }

    private void closeQuietly() {
        try {
            insert.close();
            conn.close();
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING, "usage ledger: closing the connection: " + e.getMessage());
        }
    }
}
