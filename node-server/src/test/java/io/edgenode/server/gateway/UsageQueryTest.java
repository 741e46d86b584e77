package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.server.config.GatewaySettings;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sums by dimension, time bounds and spend, over rows written by the ledger to a real SQLite file. */
class UsageQueryTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private UsageQuery query;

    @BeforeEach
    void fill() {
        GatewayDatabase db = GatewayDatabase.open(dir);
        InstantSource clock = () -> Instant.ofEpochMilli(T0);
        try (UsageLedger ledger = new UsageLedger(db, GatewaySettings.Ledger.DEFAULTS,
                new GatewayMetrics(new PrometheusRegistry()), clock)) {
            ledger.record(UsageRows.row("1", "a", "alice", "s1", "m1", 200, T0, 10, 4, 5, 1_000_000_000L, 100));
            ledger.record(UsageRows.row("2", "a", "bob", "s1", "m1", 400, T0 + 1, 1, 0, 0, 0, 0));
            ledger.record(UsageRows.row("3", "a", "alice", "s2", "m2", 200, T0 + 2, 20, 0, 7, 500_000_000L, 300));
            ledger.record(UsageRows.row("4", "b", null, null, "m1", 200, T0 + 3, 3, 1, 2, 0, 50));
            ledger.record(UsageRows.row("5", null, null, null, "m1", 200, T0 + 4, 2, 0, 2, 0, 0));
            ledger.record(UsageRows.row("6", "a", "alice", "s1", "m1", 200, T0 + 10, 100, 0, 100, 0, 1_000));
        }
        query = new UsageQuery(db);
    }

    @AfterEach
    void close() {
        query.close();
    }

    private static Map<String, String> dims(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void shouldGroupByKeyAndModelInOrder() {
        List<UsageGroup> g = query.groupBy(List.of("key", "model"), Instant.ofEpochMilli(T0),
                Instant.ofEpochMilli(T0 + 10), null);
        // SQLite sorts NULL first
        assertEquals(List.of(dims("key", null, "model", "m1"), dims("key", "a", "model", "m1"),
                dims("key", "a", "model", "m2"), dims("key", "b", "model", "m1")),
                g.stream().map(UsageGroup::dimensions).toList());
        UsageGroup am1 = g.get(1);
        assertEquals(List.of("key", "model"), List.copyOf(am1.dimensions().keySet()));
        assertEquals(2, am1.requests());
        assertEquals(11, am1.promptTokens());
        assertEquals(4, am1.cachedTokens());
        assertEquals(5, am1.completionTokens());
        assertEquals(1.0, am1.computeSeconds());
        assertEquals(100, am1.costNanoUsd());
        assertEquals(1, am1.errors());
        assertEquals(Instant.ofEpochMilli(T0), am1.first());
        assertEquals(Instant.ofEpochMilli(T0 + 1), am1.last());
    }

    @Test
    void shouldGroupBySessionWithinAKey() {
        List<UsageGroup> g = query.groupBy(List.of("session"), Instant.ofEpochMilli(T0),
                Instant.ofEpochMilli(T0 + 11), "a");
        assertEquals(List.of(dims("session", "s1"), dims("session", "s2")),
                g.stream().map(UsageGroup::dimensions).toList());
        assertEquals(3, g.getFirst().requests());
        assertEquals(1_100, g.getFirst().costNanoUsd());
    }

    @Test
    void shouldSumEverythingWithoutDimensionsAndBoundsInclusiveExclusive() {
        UsageGroup all = query.groupBy(List.of(), Instant.ofEpochMilli(T0), Instant.ofEpochMilli(T0 + 10), null)
                .getFirst();
        assertEquals(5, all.requests(), "to is exclusive: row 6 at T0+10 is out");
        assertEquals(450, all.costNanoUsd());
        assertEquals(1, query.groupBy(List.of(), Instant.ofEpochMilli(T0 + 10), Instant.ofEpochMilli(T0 + 11),
                null).getFirst().requests(), "from is inclusive");
        assertTrue(query.groupBy(List.of("key"), Instant.ofEpochMilli(T0 + 11), Instant.ofEpochMilli(T0 + 99), null)
                .isEmpty());
        assertTrue(query.groupBy(List.of(), Instant.ofEpochMilli(T0 + 11), Instant.ofEpochMilli(T0 + 99), null)
                .isEmpty());
        List<UsageGroup> byStatus = query.groupBy(List.of("status", "endpoint", "user"), Instant.ofEpochMilli(T0),
                Instant.ofEpochMilli(T0 + 99), "a");
        assertEquals(dims("status", "200", "endpoint", "chat_completions", "user", "alice"),
                byStatus.getFirst().dimensions());
    }

    @Test
    void shouldSumSpendPerKeyAndPerUserSinceATime() {
        assertEquals(1_400, query.spentNanoUsd("a", null, Instant.ofEpochMilli(T0)));
        assertEquals(1_300, query.spentNanoUsd("a", null, Instant.ofEpochMilli(T0 + 1)));
        assertEquals(1_400, query.spentNanoUsd("a", "alice", Instant.ofEpochMilli(T0)));
        assertEquals(0, query.spentNanoUsd("a", "bob", Instant.ofEpochMilli(T0)));
        assertEquals(50, query.spentNanoUsd("b", null, Instant.ofEpochMilli(0)));
        assertEquals(0, query.spentNanoUsd("nobody", null, Instant.ofEpochMilli(0)));
    }

    @Test
    void shouldRefuseAnUnknownDimension() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> query.groupBy(
                List.of("key", "key_id; DROP TABLE usage"), Instant.EPOCH, Instant.ofEpochMilli(T0 + 99), null));
        assertTrue(e.getMessage().contains("unknown group_by dimension"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> query.groupBy(List.of("key", "key"), Instant.EPOCH, Instant.ofEpochMilli(T0 + 99), null));
    }
}
