package io.edgenode.server.metrics;

import io.edgenode.core.engine.EngineMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricFamilyDescriptor;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;

/**
 * The engines' own figures, read at scrape time: each registered engine's supplier is called once
 * per scrape, so that all its gauges in one scrape come from one {@link EngineMetrics} snapshot.
 * Thread-safe: registration from any thread, {@link #collect()} on the scraping thread.
 *
 * <p>Families, each labelled {@code model}: gauges {@code edgenode_queue_depth},
 * {@code edgenode_active_sequences}, {@code edgenode_kv_cells_used},
 * {@code edgenode_last_step_batch_tokens}; counters (the engine's cumulative values, reset when
 * an engine is reloaded, which Prometheus' {@code rate()} handles) {@code
 * edgenode_prefix_reused_tokens_total}, {@code edgenode_preemptions_total}.
 */
final class EngineCollector implements MultiCollector {
    private static final String MODEL = "model";

    private record Family(String name, String help, boolean counter) {
        /** The name without the {@code _total} suffix the text format adds to counters. */
        String baseName() {
            return counter ? name.substring(0, name.length() - "_total".length()) : name;
        }
    }

    private static final Family QUEUE = new Family("edgenode_queue_depth",
            "Requests waiting for a sequence slot.", false);
    private static final Family ACTIVE = new Family("edgenode_active_sequences",
            "Sequences prefilling or decoding.", false);
    private static final Family KV_CELLS = new Family("edgenode_kv_cells_used",
            "KV cells held, including idle slots kept for prefix reuse.", false);
    private static final Family BATCH = new Family("edgenode_last_step_batch_tokens",
            "Tokens in the engine's last step (decode tokens plus prompt chunks).", false);
    private static final Family REUSED = new Family("edgenode_prefix_reused_tokens_total",
            "Prompt tokens served from cached KV instead of being prefilled.", true);
    private static final Family PREEMPTIONS = new Family("edgenode_preemptions_total",
            "Sequences preempted because KV cells ran out.", true);
    private static final Family KV_RESTORES = new Family("edgenode_kv_snapshot_restores_total",
            "Session KV snapshots restored into a sequence (their tokens were not prefilled).", true);
    private static final Family KV_RESTORE_FAILURES = new Family("edgenode_kv_snapshot_restore_failures_total",
            "Session KV snapshots llama.cpp refused (the prompt was prefilled instead).", true);
    private static final Family KV_CAPTURES = new Family("edgenode_kv_snapshot_captures_total",
            "Session KV states captured at the end of a turn, for hibernation.", true);
    private static final Family CONSTRAINED = new Family("edgenode_constrained_tokens_total",
            "Tokens sampled under a grammar (tool calls, structured output).", true);
    private static final Family RESAMPLES = new Family("edgenode_grammar_resamples_total",
            "Constrained tokens the grammar refused at first, sampled again under its mask (the slow path).", true);
    private static final Family DEAD_ENDS = new Family("edgenode_grammar_dead_ends_total",
            "Generations ended because the grammar allowed no token of the vocabulary.", true);
    private static final List<Family> FAMILIES = List.of(QUEUE, ACTIVE, KV_CELLS, BATCH, REUSED, PREEMPTIONS,
            KV_RESTORES, KV_RESTORE_FAILURES, KV_CAPTURES, CONSTRAINED, RESAMPLES, DEAD_ENDS);

    /** Sorted, so that a scrape lists models in a stable order. */
    private final Map<String, Supplier<EngineMetrics>> engines = new ConcurrentSkipListMap<>();

    /** @throws IllegalStateException when {@code modelId} already has an engine */
    void register(String modelId, Supplier<EngineMetrics> metrics) {
        if (engines.putIfAbsent(modelId, metrics) != null) {
            throw new IllegalStateException("an engine is already registered for model " + modelId);
        }
    }

    boolean unregister(String modelId) {
        return engines.remove(modelId) != null;
    }

    @Override
    public MetricSnapshots collect() {
        List<Labels> labels = new ArrayList<>(engines.size());
        List<EngineMetrics> values = new ArrayList<>(engines.size());
        for (Map.Entry<String, Supplier<EngineMetrics>> e : engines.entrySet()) {
            EngineMetrics m;
            try {
                m = e.getValue().get();
            } catch (RuntimeException ex) {
                continue; // an engine that cannot answer (closing) must not fail the whole scrape
            }
            if (m != null) {
                labels.add(Labels.of(MODEL, e.getKey()));
                values.add(m);
            }
        }
        return new MetricSnapshots(
                gauge(QUEUE, labels, values, EngineMetrics::queueDepth),
                gauge(ACTIVE, labels, values, EngineMetrics::activeSequences),
                gauge(KV_CELLS, labels, values, EngineMetrics::kvCellsUsed),
                gauge(BATCH, labels, values, EngineMetrics::lastStepBatchTokens),
                counter(REUSED, labels, values, EngineMetrics::prefixReusedTokens),
                counter(PREEMPTIONS, labels, values, EngineMetrics::preemptions),
                counter(KV_RESTORES, labels, values, EngineMetrics::kvRestores),
                counter(KV_RESTORE_FAILURES, labels, values, EngineMetrics::kvRestoreFailures),
                counter(KV_CAPTURES, labels, values, EngineMetrics::kvCaptures),
                counter(CONSTRAINED, labels, values, EngineMetrics::constrainedTokens),
                counter(RESAMPLES, labels, values, EngineMetrics::grammarResamples),
                counter(DEAD_ENDS, labels, values, EngineMetrics::grammarDeadEnds));
    }

    @FunctionalInterface
    private interface Field {
        double of(EngineMetrics m);
    }

    private static GaugeSnapshot gauge(Family f, List<Labels> labels, List<EngineMetrics> values, Field field) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(f.baseName()).help(f.help());
        for (int i = 0; i < labels.size(); i++) {
            b.dataPoint(GaugeDataPointSnapshot.builder().labels(labels.get(i)).value(field.of(values.get(i))).build());
        }
        return b.build();
    }

    private static CounterSnapshot counter(Family f, List<Labels> labels, List<EngineMetrics> values, Field field) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(f.baseName()).help(f.help());
        for (int i = 0; i < labels.size(); i++) {
            b.dataPoint(CounterDataPointSnapshot.builder().labels(labels.get(i)).value(field.of(values.get(i)))
                    .build());
        }
        return b.build();
    }

    @Override
    public List<MetricFamilyDescriptor> getMetricFamilyDescriptors() {
        List<MetricFamilyDescriptor> out = new ArrayList<>(FAMILIES.size());
        for (Family f : FAMILIES) {
            out.add(f.counter()
                    ? MetricFamilyDescriptor.counter(f.baseName()).help(f.help()).labelNames(MODEL).build()
                    : MetricFamilyDescriptor.gauge(f.baseName()).help(f.help()).labelNames(MODEL).build());
        }
        return out;
    }
}
