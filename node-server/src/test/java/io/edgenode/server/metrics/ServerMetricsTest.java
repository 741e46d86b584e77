package io.edgenode.server.metrics;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.engine.EngineMetrics;
import io.edgenode.core.engine.Usage;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** What a Prometheus server scrapes from {@code /metrics} after the HTTP layer and the engines report. */
class ServerMetricsTest {
    private static final long MS = 1_000_000L;

    private final ServerMetrics metrics = new ServerMetrics(new PrometheusRegistry());

    private String scrape() {
        return new String(metrics.scrape(), UTF_8);
    }

    /** The value of the series written exactly as {@code series}, or null when it is absent. */
    private static Double value(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return null;
    }

    private static EngineMetrics engine(int queue, int active, int batch, int kv, long reused, long preemptions) {
        return new EngineMetrics(queue, active, batch, 5 * MS, kv, reused, 100, 50, 10, preemptions);
    }

    @Test
    void shouldWriteEveryFamilyWithItsLabelsAfterRecords() {
        metrics.recordRequest("chat_completions", 200, 12 * MS);
        metrics.recordRequest("chat_completions", 200, 40 * MS);
        metrics.recordRequest("chat_completions", 400, 1 * MS);
        metrics.recordError("chat_completions", 400, "invalid_request_error");
        metrics.recordGeneration("demo", new Usage(10, 4, 5, 2 * MS, 3 * MS, 20 * MS, 250.0));
        metrics.recordInterTokenLatency("demo", 3 * MS);
        metrics.recordInterTokenLatency("demo", 4 * MS);
        metrics.registerEngine("demo", () -> engine(3, 8, 12, 640, 96, 1));

        String s = scrape();
        assertEquals(2.0, value(s, "edgenode_http_requests_total{endpoint=\"chat_completions\",status=\"200\"}"), s);
        assertEquals(1.0, value(s, "edgenode_http_requests_total{endpoint=\"chat_completions\",status=\"400\"}"), s);
        assertEquals(1.0, value(s, "edgenode_http_errors_total{endpoint=\"chat_completions\",status=\"400\","
                + "type=\"invalid_request_error\"}"), s);
        assertEquals(3.0, value(s, "edgenode_request_duration_seconds_count{endpoint=\"chat_completions\"}"), s);
        assertEquals(2.0, value(s, "edgenode_request_duration_seconds_bucket{endpoint=\"chat_completions\","
                + "le=\"0.025\"}"), s);
        assertEquals(10.0, value(s, "edgenode_prompt_tokens_total{model=\"demo\"}"), s);
        assertEquals(5.0, value(s, "edgenode_completion_tokens_total{model=\"demo\"}"), s);
        assertEquals(4.0, value(s, "edgenode_cached_prompt_tokens_total{model=\"demo\"}"), s);
        assertEquals(0.0, value(s, "edgenode_time_to_first_token_seconds_bucket{model=\"demo\",le=\"0.01\"}"), s);
        assertEquals(1.0, value(s, "edgenode_time_to_first_token_seconds_bucket{model=\"demo\",le=\"0.025\"}"), s);
        assertEquals(1.0, value(s, "edgenode_time_to_first_token_seconds_bucket{model=\"demo\",le=\"30.0\"}"), s);
        assertEquals(0.02, value(s, "edgenode_time_to_first_token_seconds_sum{model=\"demo\"}"), 1e-9);
        assertEquals(1.0, value(s, "edgenode_queue_time_seconds_count{model=\"demo\"}"), s);
        assertEquals(2.0, value(s, "edgenode_inter_token_latency_seconds_count{model=\"demo\"}"), s);
        assertEquals(2.0, value(s, "edgenode_inter_token_latency_seconds_bucket{model=\"demo\",le=\"0.005\"}"), s);
        assertEquals(3.0, value(s, "edgenode_queue_depth{model=\"demo\"}"), s);
        assertEquals(8.0, value(s, "edgenode_active_sequences{model=\"demo\"}"), s);
        assertEquals(640.0, value(s, "edgenode_kv_cells_used{model=\"demo\"}"), s);
        assertEquals(12.0, value(s, "edgenode_last_step_batch_tokens{model=\"demo\"}"), s);
        assertEquals(96.0, value(s, "edgenode_prefix_reused_tokens_total{model=\"demo\"}"), s);
        assertEquals(1.0, value(s, "edgenode_preemptions_total{model=\"demo\"}"), s);
        for (String typeLine : List.of("# TYPE edgenode_http_requests_total counter",
                "# TYPE edgenode_time_to_first_token_seconds histogram", "# TYPE edgenode_queue_depth gauge",
                "# TYPE edgenode_prefix_reused_tokens_total counter", "# TYPE edgenode_preemptions_total counter")) {
            assertTrue(s.contains(typeLine + "\n"), typeLine + " in\n" + s);
        }
        assertEquals("text/plain; version=0.0.4; charset=utf-8", metrics.contentType());
    }

    @Test
    void shouldReadEngineGaugesFromTheSupplierOncePerScrape() {
        AtomicReference<EngineMetrics> current = new AtomicReference<>(engine(0, 0, 0, 0, 0, 0));
        AtomicInteger calls = new AtomicInteger();
        metrics.registerEngine("a", () -> {
            calls.incrementAndGet();
            return current.get();
        });
        assertEquals(0.0, value(scrape(), "edgenode_kv_cells_used{model=\"a\"}"));
        assertEquals(1, calls.get(), "one snapshot per scrape, shared by every family");

        current.set(engine(5, 2, 64, 300, 1200, 3));
        String s = scrape();
        assertEquals(5.0, value(s, "edgenode_queue_depth{model=\"a\"}"), s);
        assertEquals(2.0, value(s, "edgenode_active_sequences{model=\"a\"}"), s);
        assertEquals(300.0, value(s, "edgenode_kv_cells_used{model=\"a\"}"), s);
        assertEquals(64.0, value(s, "edgenode_last_step_batch_tokens{model=\"a\"}"), s);
        assertEquals(1200.0, value(s, "edgenode_prefix_reused_tokens_total{model=\"a\"}"), s);
        assertEquals(3.0, value(s, "edgenode_preemptions_total{model=\"a\"}"), s);
        assertEquals(2, calls.get());
    }

    @Test
    void shouldSkipAFailingEngineAndForgetAnUnregisteredOne() {
        metrics.registerEngine("ok", () -> engine(1, 1, 1, 1, 1, 1));
        metrics.registerEngine("broken", () -> {
            throw new IllegalStateException("closed");
        });
        metrics.registerEngine("absent", () -> null);
        String s = scrape();
        assertEquals(1.0, value(s, "edgenode_queue_depth{model=\"ok\"}"), s);
        assertFalse(s.contains("model=\"broken\""), s);
        assertFalse(s.contains("model=\"absent\""), s);

        assertThrows(IllegalStateException.class, () -> metrics.registerEngine("ok", () -> null));
        assertTrue(metrics.unregisterEngine("ok"));
        assertFalse(metrics.unregisterEngine("ok"));
        assertFalse(scrape().contains("model=\"ok\""));
    }

    @Test
    void shouldUseItsOwnRegistryNeverTheGlobalOne() {
        ServerMetrics other = new ServerMetrics();
        other.recordRequest("health", 200, MS);
        metrics.recordRequest("models", 200, MS);
        String s = scrape();
        assertTrue(s.contains("endpoint=\"models\""), s);
        assertFalse(s.contains("endpoint=\"health\""), s);
        assertTrue(PrometheusRegistry.defaultRegistry.scrape().stream()
                .noneMatch(m -> m.getMetadata().getName().startsWith("edgenode_")));
        assertThrows(IllegalArgumentException.class, () -> new ServerMetrics(metrics.registry()),
                "the same families twice in one registry");
    }

    @Test
    void shouldCapLabelValuesAndFoldOddStatuses() {
        for (int i = 0; i < ServerMetrics.MAX_LABEL_VALUES + 50; i++) {
            metrics.recordRequest("route-" + i, 200, MS);
        }
        metrics.recordRequest("odd", 42, MS);
        String s = scrape();
        long endpoints = s.lines().filter(l -> l.startsWith("edgenode_http_requests_total{") && l.contains("status=\"200\"")).count();
        assertEquals(ServerMetrics.MAX_LABEL_VALUES + 1, endpoints, "the cap plus 'other'");
        assertEquals(50.0, value(s, "edgenode_http_requests_total{endpoint=\"other\",status=\"200\"}"), s);
        assertEquals(1.0, value(s, "edgenode_http_requests_total{endpoint=\"other\",status=\"other\"}"), s);
    }

    @Test
    void shouldIgnoreTimesThatNeverHappened() {
        metrics.recordGeneration("m", new Usage(7, 0, 0, 0, 0, 0, 0));
        String s = scrape();
        assertEquals(7.0, value(s, "edgenode_prompt_tokens_total{model=\"m\"}"), s);
        assertEquals(0.0, value(s, "edgenode_time_to_first_token_seconds_count{model=\"m\"}"), s);
        assertEquals(0.0, value(s, "edgenode_completion_tokens_total{model=\"m\"}"), s);
    }

    @Test
    void shouldCountExactlyUnderConcurrentRecords() throws InterruptedException {
        int threads = 4;
        int perThread = 5_000;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perThread; i++) {
                    metrics.recordRequest("chat_completions", 200 + (i & 1), MS);
                    metrics.recordInterTokenLatency("demo", 2 * MS);
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        String s = scrape();
        assertEquals(threads * perThread / 2.0,
                value(s, "edgenode_http_requests_total{endpoint=\"chat_completions\",status=\"201\"}"), s);
        assertEquals(threads * perThread * 1.0, value(s, "edgenode_inter_token_latency_seconds_count{model=\"demo\"}"));
    }

    @Test
    void shouldPublishTheMemoryBudgetAndEachModelsShareAtScrapeTime() {
        ServerMetrics m = new ServerMetrics();
        java.util.Map<String, Long> held = new java.util.TreeMap<>(java.util.Map.of("demo", 3L << 20));
        m.registerMemory(() -> 8L << 30, () -> held);
        m.registerMemory(() -> 1, java.util.Map::of); // once per registry: the second is ignored
        String text = new String(m.scrape(), java.nio.charset.StandardCharsets.UTF_8);
        org.junit.jupiter.api.Assertions.assertTrue(text.contains("edgenode_memory_budget_bytes 8.589934592E9"), text);
        org.junit.jupiter.api.Assertions.assertTrue(text.contains("edgenode_model_memory_bytes{model=\"demo\"} 3145728.0"),
                text);
        held.put("other", 1024L);
        org.junit.jupiter.api.Assertions.assertTrue(new String(m.scrape(), java.nio.charset.StandardCharsets.UTF_8)
                .contains("edgenode_model_memory_bytes{model=\"other\"} 1024.0"));
    }
}
