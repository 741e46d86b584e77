package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.server.config.GatewaySettings;
import io.edgenode.server.testing.Eventually;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger against a real SQLite file: batching from many threads, flush, close, drops and retention. */
class UsageLedgerTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long DAY = 86_400_000L;
    private static final GatewaySettings.Ledger SETTINGS =
            new GatewaySettings.Ledger(Duration.ofDays(30), 512, Duration.ofMillis(50));

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(T0);
    private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final GatewayMetrics metrics = new GatewayMetrics(registry);

    private double counter(String name) {
        return registry.scrape().stream().filter(s -> s.getMetadata().getName().equals(name))
                .map(s -> ((CounterSnapshot) s).getDataPoints().getFirst().getValue()).findFirst().orElse(0.0);
    }

    @Test
    void shouldLandEveryRowFromFourThreadsAfterFlush() throws Exception {
        GatewayDatabase db = GatewayDatabase.open(dir);
        try (UsageLedger ledger = new UsageLedger(db, SETTINGS, metrics, clock);
                UsageQuery query = new UsageQuery(db)) {
            long start = System.nanoTime();
            Thread[] threads = new Thread[4];
            for (int t = 0; t < 4; t++) {
                int tt = t;
                threads[t] = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 2_500; i++) {
                        ledger.record(UsageRows.row("r" + tt + "-" + i, "k" + tt, null, null, "m", 200, T0 + i,
                                10, 2, 5, 1_000, 7));
                    }
                });
            }
            for (Thread t : threads) {
                t.join();
            }
            ledger.flush();
            long nanos = System.nanoTime() - start;
            System.out.printf("ledger: 10000 rows recorded and committed in %.1f ms (%.0f rows/s)%n", nanos / 1e6,
                    10_000 / (nanos / 1e9));
            List<UsageGroup> all = query.groupBy(List.of(), Instant.ofEpochMilli(0), Instant.ofEpochMilli(T0 + DAY),
                    null);
            assertEquals(10_000, all.getFirst().requests());
            assertEquals(70_000, all.getFirst().costNanoUsd());
            assertEquals(10_000.0, counter("edgenode_gateway_ledger_rows_written"));
            assertEquals(0.0, counter("edgenode_gateway_ledger_dropped_rows"));
        }
    }

    @Test
    void shouldWriteWhatIsQueuedOnCloseAndReadEveryFieldBack() {
        GatewayDatabase db = GatewayDatabase.open(dir);
        UsageRecord full = new UsageRecord("req-1", "key-1", "alice", "sess-1", "chat_completions", "auto", "qwen",
                1, 200, "server_error", T0, T0 + 30, T0 + 900, 120, 64, 33, 123_456_789L, 4_200L, "MISS", "pii,long",
                Map.of("team", "search", "env", "prod"));
        UsageRecord nulls = new UsageRecord("req-2", null, null, null, "embeddings", null, null, -1, 503, null,
                T0 + 1, 0, T0 + 2, 0, 0, 0, 0, 0, null, null, null);
        UsageLedger ledger = new UsageLedger(db, new GatewaySettings.Ledger(Duration.ofDays(30), 512,
                Duration.ofSeconds(30)), metrics, clock);
        ledger.record(full);
        ledger.record(nulls);
        ledger.close(); // no flush: close must write them

        try (UsageQuery query = new UsageQuery(GatewayDatabase.open(dir))) {
            List<UsageRecord> rows = query.recent(10, null);
            assertEquals(List.of(nulls, full), rows);
            assertEquals(Map.of(), rows.getFirst().metadata());
            assertEquals(List.of(full), query.recent(10, "key-1"));
        }
    }

    @Test
    void shouldDropAndCountInsteadOfBlockingWhenTheQueueIsFull() throws Exception {
        GatewayDatabase db = GatewayDatabase.open(dir);
        // hold the write lock so that the writer cannot commit and the tiny queue fills
        try (var blocker = db.connect()) {
            blocker.createStatement().execute("BEGIN IMMEDIATE");
            UsageLedger ledger = new UsageLedger(db, new GatewaySettings.Ledger(Duration.ofDays(30), 2,
                    Duration.ofMillis(1)), metrics, clock, 4);
            long start = System.nanoTime();
            for (int i = 0; i < 1_000; i++) {
                ledger.record(UsageRows.row("r" + i, "k", null, null, "m", 200, T0, 1, 0, 1, 0, 0));
            }
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMillis < 1_000, "record() blocked for " + tookMillis + " ms");
            assertTrue(counter("edgenode_gateway_ledger_dropped_rows") >= 1_000 - 4 - 2 * 2,
                    "dropped " + counter("edgenode_gateway_ledger_dropped_rows"));
            blocker.createStatement().execute("ROLLBACK");
            ledger.close();
        }
        double written = counter("edgenode_gateway_ledger_rows_written");
        double dropped = counter("edgenode_gateway_ledger_dropped_rows");
        assertEquals(1_000.0, written + dropped, "every row is either written or counted as dropped");
    }

    @Test
    void shouldDeleteRowsOlderThanTheRetentionAtStartAndHourly() {
        GatewayDatabase db = GatewayDatabase.open(dir);
        try (UsageLedger ledger = new UsageLedger(db, SETTINGS, metrics, clock)) {
            ledger.record(UsageRows.row("old", "k", null, null, "m", 200, T0 - 40 * DAY, 1, 0, 1, 0, 0));
            ledger.record(UsageRows.row("mid", "k", null, null, "m", 200, T0 - 20 * DAY, 1, 0, 1, 0, 0));
            ledger.record(UsageRows.row("new", "k", null, null, "m", 200, T0, 1, 0, 1, 0, 0));
            ledger.flush();
        }
        try (UsageQuery query = new UsageQuery(db)) {
            assertEquals(Set.of("old", "mid", "new"), ids(query.recent(10, null)),
                    "rows written after the start's retention pass stay until the next");
        }
        try (UsageLedger ledger = new UsageLedger(db, SETTINGS, metrics, clock);
                UsageQuery query = new UsageQuery(db)) {
            ledger.flush();
            assertEquals(Set.of("mid", "new"), ids(query.recent(10, null)), "start deletes rows past 30 days");
            now.addAndGet(15 * DAY); // "mid" is now 35 days old; the hourly pass is due
            Eventually.until(Duration.ofSeconds(10), "the hourly retention pass", ledger::flush,
                    () -> ids(query.recent(10, null)).equals(Set.of("new")));
        }
    }

    private static Set<String> ids(List<UsageRecord> rows) {
        Set<String> s = new HashSet<>();
        rows.forEach(r -> s.add(r.requestId()));
        return s;
    }
}
