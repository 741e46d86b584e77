package io.edgenode.server.gateway;

import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Objects;

/**
 * The gateway's Prometheus counters, registered on the node's registry ({@code ServerMetrics.registry()}).
 * Thread-safe: {@link #count} runs on the engine's decode thread and request threads (it is called
 * by {@link UsageLedger#record}, so a row the ledger drops is still counted here), the ledger
 * counters on the ledger's writer thread.
 *
 * <p>Families (prometheus-metrics-core 1.x appends {@code _total} to a counter's name, so the
 * names below are given without it): {@code edgenode_gateway_requests_total{key,model,status}},
 * {@code edgenode_gateway_tokens_total{key,model,kind}} ({@code kind}: prompt, cached, completion),
 * {@code edgenode_gateway_cost_usd_total{key,model}}, {@code edgenode_gateway_compute_seconds_total{key,model}},
 * {@code edgenode_gateway_ledger_dropped_rows_total}, {@code edgenode_gateway_ledger_rows_written_total}.
 * {@code key} is the key id, "" in keyless mode; {@code model} the served model, "" when none served.
 */
public final class GatewayMetrics {
    private final Counter requests;
    private final Counter tokens;
    private final Counter cost;
    private final Counter compute;
    private final Counter dropped;
    private final Counter written;

    /** @throws IllegalArgumentException when {@code registry} already has these families */
    public GatewayMetrics(PrometheusRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        PrometheusProperties props = PrometheusProperties.builder().build();
        requests = counter(registry, props, "edgenode_gateway_requests", "Gateway requests answered.",
                "key", "model", "status");
        tokens = counter(registry, props, "edgenode_gateway_tokens", "Tokens by kind (prompt, cached, completion).",
                "key", "model", "kind");
        cost = counter(registry, props, "edgenode_gateway_cost_usd", "What requests cost, in US dollars.",
                "key", "model");
        compute = counter(registry, props, "edgenode_gateway_compute_seconds",
                "Engine time attributed to requests.", "key", "model");
        dropped = counter(registry, props, "edgenode_gateway_ledger_dropped_rows",
                "Usage rows the ledger could not write (queue full, or a batch failed every retry).");
        written = counter(registry, props, "edgenode_gateway_ledger_rows_written", "Usage rows committed.");
    }

    private static Counter counter(PrometheusRegistry registry, PrometheusProperties props, String name, String help,
            String... labels) {
        Counter.Builder b = Counter.builder(props).name(name).help(help);
        if (labels.length > 0) {
            b.labelNames(labels);
        }
        b.withoutExemplars();
        return b.register(registry);
    }

    /** Counts one finished request. */
    public void count(UsageRecord r) {
        String key = r.keyId() == null ? "" : r.keyId();
        String model = r.servedModel() == null ? "" : r.servedModel();
        requests.labelValues(key, model, Integer.toString(r.status())).inc();
        if (r.promptTokens() > 0) {
            tokens.labelValues(key, model, "prompt").inc(r.promptTokens());
        }
        if (r.cachedTokens() > 0) {
            tokens.labelValues(key, model, "cached").inc(r.cachedTokens());
        }
        if (r.completionTokens() > 0) {
            tokens.labelValues(key, model, "completion").inc(r.completionTokens());
        }
        if (r.costNanoUsd() > 0) {
            cost.labelValues(key, model).inc(Budget.usd(r.costNanoUsd()));
        }
        if (r.computeNanos() > 0) {
            compute.labelValues(key, model).inc(r.computeNanos() / 1e9);
        }
    }

    void droppedRows(long n) {
        dropped.inc(n);
    }

    void rowsWritten(long n) {
        written.inc(n);
    }
}
