package io.edgenode.server.metrics;

import io.edgenode.core.engine.EngineMetrics;
import io.edgenode.core.engine.Usage;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The node's Prometheus metrics, exposed by {@code GET /metrics} in the text format. Thread-safe:
 * the {@code record*} methods are called from event loops and engine threads, {@link #scrape()}
 * from any thread.
 *
 * <p>Families ({@code endpoint} is a route name such as {@code chat_completions}, never a raw
 * URI; {@code model} a configured model id, never a client's string):
 * <ul>
 *   <li>{@code edgenode_http_requests_total{endpoint,status}},
 *       {@code edgenode_http_errors_total{endpoint,status,type}} ({@code type}: the OpenAI error
 *       type), {@code edgenode_request_duration_seconds{endpoint}} (histogram, 1 ms .. 5 min:
 *       a streamed response lasts until its last token);
 *   <li>{@code edgenode_prompt_tokens_total}, {@code edgenode_completion_tokens_total},
 *       {@code edgenode_cached_prompt_tokens_total} (prompt tokens served from the prefix cache),
 *       histograms {@code edgenode_time_to_first_token_seconds} (1 ms .. 30 s),
 *       {@code edgenode_queue_time_seconds} (submit to first scheduled step, 1 ms .. 30 s) and
 *       {@code edgenode_inter_token_latency_seconds} (1 ms .. 1 s), all by {@code model};
 *   <li>the engines' gauges and counters, read at scrape time: see {@link EngineCollector}.
 * </ul>
 *
 * <p>Hot path: label children are looked up once and cached here (a {@code ConcurrentHashMap}
 * get by the caller's string, then an array slot by status), so a record call allocates nothing
 * after the first use of a label combination; histograms are classic-only (no native-histogram
 * upkeep) and without exemplars. Label values are capped ({@value #MAX_LABEL_VALUES} endpoints,
 * models and error types each); beyond that they are counted as {@value #OTHER}, so a caller's bug
 * cannot grow the registry without bound.
 */
public final class ServerMetrics {
    /** Most distinct values per label (endpoints, models, error types per endpoint). */
    static final int MAX_LABEL_VALUES = 256;
    /** The label value for a value beyond the cap, or a status outside 100..599. */
    static final String OTHER = "other";

    private static final int MIN_STATUS = 100;
    private static final int MAX_STATUS = 599;
    private static final int STATUS_SLOTS = MAX_STATUS - MIN_STATUS + 2; // last slot: OTHER

    /** 1 ms .. 30 s: a first token after a long queue or a long prefill on a CPU. */
    private static final double[] TTFT_BUCKETS =
            {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    /** 1 ms .. 1 s: one decode step, batched with others. */
    private static final double[] ITL_BUCKETS =
            {0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1};
    /** 1 ms .. 5 min: from a health check to a long stream. */
    private static final double[] DURATION_BUCKETS =
            {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

    private final PrometheusRegistry registry;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final EngineCollector engines = new EngineCollector();

    private final Counter requests;
    private final Counter errors;
    private final Histogram requestDuration;
    private final Counter promptTokens;
    private final Counter completionTokens;
    private final Counter cachedPromptTokens;
    private final Histogram timeToFirstToken;
    private final Histogram queueTime;
    private final Histogram interTokenLatency;
    private final io.prometheus.metrics.core.metrics.Gauge liveClients;
    private final Counter jobRuns;
    private final Counter workflowSteps;
    private final Counter workflowsFinished;
    private final Histogram jobLateness;

    private final ConcurrentHashMap<String, EndpointChildren> endpoints = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ModelChildren> models = new ConcurrentHashMap<>();
    /** Size of the last scrape, to size the next buffer. */
    private volatile int lastScrapeBytes = 4096;

    /** Metrics in a registry of their own (never the library's global default registry). */
    public ServerMetrics() {
        this(new PrometheusRegistry());
    }

    /**
     * Metrics registered in {@code registry}, which may hold other collectors too (they are
     * scraped with these). Configuration is this class's, not read from {@code prometheus.properties}
     * or system properties.
     *
     * @throws IllegalArgumentException when {@code registry} already has these families
     */
    public ServerMetrics(PrometheusRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        PrometheusProperties props = PrometheusProperties.builder().build();
        requests = counter(props, "edgenode_http_requests_total", "HTTP requests answered.", "endpoint", "status");
        errors = counter(props, "edgenode_http_errors_total", "HTTP requests answered with an error.",
                "endpoint", "status", "type");
        requestDuration = histogram(props, "edgenode_request_duration_seconds",
                "From request received to response complete (the last token, for a stream).", DURATION_BUCKETS,
                "endpoint");
        promptTokens = counter(props, "edgenode_prompt_tokens_total", "Prompt tokens of finished generations.",
                "model");
        completionTokens = counter(props, "edgenode_completion_tokens_total", "Tokens generated.", "model");
        cachedPromptTokens = counter(props, "edgenode_cached_prompt_tokens_total",
                "Prompt tokens whose KV came from the prefix cache instead of prefill.", "model");
        timeToFirstToken = histogram(props, "edgenode_time_to_first_token_seconds",
                "From submit to the engine to the first generated token.", TTFT_BUCKETS, "model");
        queueTime = histogram(props, "edgenode_queue_time_seconds",
                "From submit to the engine to the request's first scheduled step.", TTFT_BUCKETS, "model");
        interTokenLatency = histogram(props, "edgenode_inter_token_latency_seconds",
                "Time between consecutive tokens of one stream.", ITL_BUCKETS, "model");
        jobRuns = counter(props, "edgenode_job_runs_total", "Scheduled runs by event: started, ok, failed, retried"
                + " (after a crash), abandoned, skipped (missed while down).", "event");
        jobLateness = histogram(props, "edgenode_job_lateness_seconds", "From a run's due time to its start.",
                DURATION_BUCKETS);
        workflowSteps = counter(props, "edgenode_workflow_steps_total", "Workflow steps by event: started,"
                + " succeeded, failed (an attempt; retries start again).", "event");
        workflowsFinished = counter(props, "edgenode_workflows_finished_total", "Workflows ended, by status.",
                "status");
        liveClients = io.prometheus.metrics.core.metrics.Gauge.builder(props).name("edgenode_live_clients")
                .help("WebSocket clients connected to sessions.").register(registry);
        registry.register(engines);
    }

    /** What the scheduler reports, as {@code edgenode_job_runs_total{event}} and a lateness histogram. */
    public io.edgenode.server.jobs.JobMetrics jobMetrics() {
        var runs = jobRuns;
        var late = jobLateness;
        return new io.edgenode.server.jobs.JobMetrics() {
            @Override
            public void runStarted(long latenessMillis) {
                runs.labelValues("started").inc();
                late.observe(latenessMillis / 1000.0);
            }

            @Override
            public void runOk() {
                runs.labelValues("ok").inc();
            }

            @Override
            public void runFailed() {
                runs.labelValues("failed").inc();
            }

            @Override
            public void runRetried() {
                runs.labelValues("retried").inc();
            }

            @Override
            public void runAbandoned() {
                runs.labelValues("abandoned").inc();
            }

            @Override
            public void runSkipped() {
                runs.labelValues("skipped").inc();
            }
        };
    }

    /** A workflow step started or ended ({@code event}: started, succeeded, failed). */
    public void workflowStep(String event) {
        workflowSteps.labelValues(event).inc();
    }

    /** A workflow ended with {@code status}. */
    public void workflowFinished(String status) {
        workflowsFinished.labelValues(status).inc();
    }

    /**
     * Publishes the memory budget ({@code edgenode_memory_budget_bytes}) and what each model holds of
     * it ({@code edgenode_model_memory_bytes{model}}), read at scrape time; once per registry.
     */
    public synchronized void registerMemory(java.util.function.LongSupplier budget,
            java.util.function.Supplier<java.util.Map<String, Long>> reserved) {
        if (memoryRegistered) {
            return;
        }
        memoryRegistered = true;
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("edgenode_memory_budget_bytes")
                .help("What loaded models may take together (server.memory_budget).")
                .callback(cb -> cb.call(budget.getAsLong())).register(registry);
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("edgenode_model_memory_bytes")
                .help("What each loading or loaded model holds of the memory budget (weights, KV cache, compute"
                        + " buffers, estimated from its file).").labelNames("model")
                .callback(cb -> reserved.get().forEach((model, bytes) -> cb.call(bytes, model))).register(registry);
    }

    private boolean memoryRegistered; // guarded by this

    /** A WebSocket client joined a session. */
    public void liveClientJoined() {
        liveClients.inc();
    }

    /** A WebSocket client of a session left. */
    public void liveClientLeft() {
        liveClients.dec();
    }

    private Counter counter(PrometheusProperties props, String name, String help, String... labels) {
        Counter.Builder b = Counter.builder(props).name(name).help(help).labelNames(labels);
        b.withoutExemplars();
        return b.register(registry);
    }

    private Histogram histogram(PrometheusProperties props, String name, String help, double[] buckets,
            String... labels) {
        Histogram.Builder b = Histogram.builder(props).name(name).help(help).unit(Unit.SECONDS).labelNames(labels)
                .classicOnly().classicUpperBounds(buckets);
        b.withoutExemplars();
        return b.register(registry);
    }

    /** The registry these metrics live in, to add collectors or scrape in another format. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /**
     * Publishes an engine's figures under {@code model="modelId"}; {@code metrics} is called once
     * per scrape, on the scraping thread, so it must be cheap and thread-safe. A supplier that
     * returns null or throws is skipped for that scrape.
     *
     * @throws IllegalStateException when {@code modelId} already has one (unregister it first)
     */
    public void registerEngine(String modelId, Supplier<EngineMetrics> metrics) {
        engines.register(Objects.requireNonNull(modelId, "modelId"), Objects.requireNonNull(metrics, "metrics"));
    }

    /** Stops publishing the engine's figures (an unloaded model); false when none was registered. */
    public boolean unregisterEngine(String modelId) {
        return engines.unregister(Objects.requireNonNull(modelId, "modelId"));
    }

    /** One answered request: its status and how long it took, response complete. */
    public void recordRequest(String endpoint, int status, long durationNanos) {
        EndpointChildren e = endpoint(endpoint);
        e.request(status).inc();
        e.duration.observe(seconds(durationNanos));
    }

    /**
     * One error answer (in addition to {@link #recordRequest}, which counts it as a request):
     * {@code type} is the OpenAI error type, such as {@code invalid_request_error}.
     */
    public void recordError(String endpoint, int status, String type) {
        endpoint(endpoint).error(status, Objects.requireNonNull(type, "type")).inc();
    }

    /** A finished generation's tokens and first-token time, from the engine's {@link Usage}. */
    public void recordGeneration(String model, Usage usage) {
        ModelChildren m = model(model);
        if (usage.promptTokens() > 0) {
            m.promptTokens.inc(usage.promptTokens());
        }
        if (usage.completionTokens() > 0) {
            m.completionTokens.inc(usage.completionTokens());
        }
        if (usage.cachedPromptTokens() > 0) {
            m.cachedPromptTokens.inc(usage.cachedPromptTokens());
        }
        // 0 means "never happened" (cancelled while queued, failed before a token)
        if (usage.timeToFirstTokenNanos() > 0) {
            m.timeToFirstToken.observe(seconds(usage.timeToFirstTokenNanos()));
        }
        if (usage.queueNanos() > 0) {
            m.queueTime.observe(seconds(usage.queueNanos()));
        }
    }

    /** The gap between two consecutive tokens of one stream. Per token: allocation-free. */
    public void recordInterTokenLatency(String model, long nanos) {
        model(model).interTokenLatency.observe(seconds(nanos));
    }

    /** Everything in the registry, in the Prometheus text format (version 0.0.4). */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(lastScrapeBytes + 1024);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not thrown by a ByteArrayOutputStream
        }
        lastScrapeBytes = out.size();
        return out.toByteArray();
    }

    /** The content type of {@link #scrape()}: {@code text/plain; version=0.0.4; charset=utf-8}. */
    public String contentType() {
        return writer.getContentType();
    }

    private static double seconds(long nanos) {
        return nanos <= 0 ? 0 : nanos / 1e9;
    }

    private EndpointChildren endpoint(String endpoint) {
        return children(endpoints, Objects.requireNonNull(endpoint, "endpoint"), EndpointChildren::new);
    }

    private ModelChildren model(String model) {
        return children(models, Objects.requireNonNull(model, "model"), ModelChildren::new);
    }

    /** The cached children for {@code key}; past the cap, those of {@value #OTHER}. */
    private static <T> T children(ConcurrentHashMap<String, T> map, String key, Function<String, T> create) {
        T c = map.get(key);
        if (c != null) {
            return c;
        }
        // the cap is checked without a lock: a race may pass it by a few entries, never by many
        return map.computeIfAbsent(map.size() >= MAX_LABEL_VALUES ? OTHER : key, create);
    }

    private static int statusSlot(int status) {
        return status >= MIN_STATUS && status <= MAX_STATUS ? status - MIN_STATUS : STATUS_SLOTS - 1;
    }

    private static String statusLabel(int status) {
        return status >= MIN_STATUS && status <= MAX_STATUS ? Integer.toString(status) : OTHER;
    }

    /** One endpoint's label children; slots fill lazily and race benignly (labelValues is idempotent). */
    private final class EndpointChildren {
        final String endpoint;
        final DistributionDataPoint duration;
        final AtomicReferenceArray<CounterDataPoint> byStatus = new AtomicReferenceArray<>(STATUS_SLOTS);
        final ConcurrentHashMap<String, ErrorSlots> errorsByType = new ConcurrentHashMap<>();

        EndpointChildren(String endpoint) {
            this.endpoint = endpoint;
            this.duration = requestDuration.labelValues(endpoint);
        }

        CounterDataPoint request(int status) {
            int slot = statusSlot(status);
            CounterDataPoint c = byStatus.get(slot);
            if (c == null) {
                c = requests.labelValues(endpoint, statusLabel(status));
                byStatus.set(slot, c);
            }
            return c;
        }

        CounterDataPoint error(int status, String type) {
            ErrorSlots e = children(errorsByType, type, ErrorSlots::new);
            int slot = statusSlot(status);
            CounterDataPoint c = e.byStatus.get(slot);
            if (c == null) {
                c = errors.labelValues(endpoint, statusLabel(status), e.type);
                e.byStatus.set(slot, c);
            }
            return c;
        }
    }

    /** One error type's children by status; {@code type} is the label value ({@value #OTHER} past the cap). */
    private record ErrorSlots(String type, AtomicReferenceArray<CounterDataPoint> byStatus) {
        ErrorSlots(String type) {
            this(type, new AtomicReferenceArray<>(STATUS_SLOTS));
        }
    }

    /** One model's label children. */
    private final class ModelChildren {
        final CounterDataPoint promptTokens;
        final CounterDataPoint completionTokens;
        final CounterDataPoint cachedPromptTokens;
        final DistributionDataPoint timeToFirstToken;
        final DistributionDataPoint queueTime;
        final DistributionDataPoint interTokenLatency;

        ModelChildren(String model) {
            promptTokens = ServerMetrics.this.promptTokens.labelValues(model);
            completionTokens = ServerMetrics.this.completionTokens.labelValues(model);
            cachedPromptTokens = ServerMetrics.this.cachedPromptTokens.labelValues(model);
            timeToFirstToken = ServerMetrics.this.timeToFirstToken.labelValues(model);
            queueTime = ServerMetrics.this.queueTime.labelValues(model);
            interTokenLatency = ServerMetrics.this.interTokenLatency.labelValues(model);
        }
    }
}
