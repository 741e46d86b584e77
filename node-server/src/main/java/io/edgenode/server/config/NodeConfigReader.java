package io.edgenode.server.config;

import com.fasterxml.jackson.core.JsonToken;
import io.edgenode.core.embed.BuiltinEmbeddingModel;
import io.edgenode.core.embed.InputBatching;
import io.edgenode.core.embed.LlamaEmbedderConfig;
import io.edgenode.core.embed.OnnxEmbedderConfig;
import io.edgenode.core.embed.Pooling;
import io.edgenode.core.llama.ContextParams.GgmlTypeId;
import io.edgenode.core.llama.QuantType;
import io.edgenode.server.config.YamlTree.Entry;
import io.edgenode.server.config.YamlTree.Mapping;
import io.edgenode.server.config.YamlTree.Mark;
import io.edgenode.server.config.YamlTree.Node;
import io.edgenode.server.config.YamlTree.Scalar;
import io.edgenode.server.config.YamlTree.Sequence;
import io.edgenode.store.pull.ModelSource;
import io.edgenode.store.synth.ModelPreset;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Reads models.yaml into a {@link NodeConfig} (near 800 lines: a third kind of entry moves each entry
 * kind's reader into its own class over a shared {@code Section}). The format, field by field (snake_case keys; every
 * key but {@code models[].id} and one of {@code models[].path} / {@code models[].source} optional):
 *
 * <pre>
 * server:
 *   host: 127.0.0.1            # bind address
 *   port: 8080                 # 0..65535, 0 = ephemeral
 *   data_dir: data             # relative to this file's folder
 *   cors_allowed_origins: []   # "https://host[:port]" or "*"; none by default
 *   max_body_bytes: 4194304    # positive
 *   memory_budget: 6GiB        # bytes, or with a unit: KiB MiB GiB TiB (1024s), KB MB GB TB (1000s);
 *                              # default: 3/4 of physical memory
 *   routing:                   # "model": "auto"
 *     auto_large_model: big    # a model id; prompts of auto_large_threshold_tokens or more go there
 *     auto_large_threshold_tokens: 2048
 *   connections:               # per client connection (a generating stream is never cut by these)
 *     header_timeout: 20s      # first byte of a request -> end of its headers
 *     body_timeout: 60s        # end of the headers -> end of the body
 *     idle_timeout: 75s        # no request in flight and no traffic: closed
 *     max_pipelined_requests: 16   # queued behind the running one before reading stops
 *     max_pipelined_bytes: 1MiB    # body bytes queued behind the running one before reading stops
 *   live:                      # live sessions: WebSocket clients, resumable turn streams
 *     disconnect_grace: 2m     # a session turn nobody watches any more keeps running this long
 *     max_clients_per_session: 256
 *     max_message_bytes: 1MiB  # largest WebSocket message a client may send
 *     ping_interval: 30s       # idle WebSockets are pinged; silent for two intervals: closed
 *     max_client_lag: 8192     # events a client may fall behind a turn before it is dropped
 *     retain_turns: 4          # finished turns per session kept for resuming their streams
 *     retain_for: 10m
 * models:                      # at least one
 *   - id: demo                 # required; letters, digits, . _ : / @ + -; not "auto"
 *     path: models/x.gguf      # relative to this file's folder; default with a source:
 *                              #   data_dir/models/(the source's file name)
 *     source: hf://owner/repo/file.gguf   # or an https:// URL (http:// only with a sha256):
 *                              #   downloaded when the file is missing (first request, load, pull)
 *     sha256: 64 hex digits    # checked after a download
 *     synthetic: {preset: tiny, quant: q8_0}   # create the file from a preset when missing
 *     aliases: [default]
 *     parallel: 8              # 1..64
 *     context: 4096            # total KV cells, at least parallel
 *     threads: 2               # positive; default all cores
 *     gpu_layers: 0            # -1 = all
 *     max_batch_tokens: 256    # at least parallel
 *     max_queue: 64            # positive
 *     kv_type: f16             # KV cache element type: f16, q8_0, q4_0
 *     sampling: {temperature: 0.7, top_p: 0.9, top_k: 40, min_p: 0.05, repeat_penalty: 1.1, max_tokens: 512}
 *                              # defaults for what a request leaves out
 *     keep_alive: 5m           # idle time before unloading: 30s, 5m, 1h, 0, or -1 / forever;
 *                              # default 5m, forever for preloaded models
 *     preload: true            # loaded at start, awaited by /ready, never evicted; older name: default;
 *                              # when no model says either, the first model is preloaded
 *     fallbacks: [other]       # model ids tried in order when this one is overloaded, failed or
 *                              # does not fit the memory budget
 *     chat_template_file: t.jinja  # a Jinja chat template used instead of the GGUF's own (relative
 *                              # to this file's folder; read when the model loads), as llama-server's
 *                              # --chat-template-file
 *   - id: minilm               # an embedding model (POST /v1/embeddings); ids share the namespace above
 *     kind: embedding          # default: generation (the GGUF models above)
 *     builtin: all-minilm-l6-v2-q   # or path: x.onnx + tokenizer: tokenizer.json, or path: x.gguf
 *                              # alone (llama.cpp; pooling also last or model); more keys (pooling,
 *                              # max_input_tokens, max_batch, input_batching, batch_wait, threads,
 *                              # workers, max_queue): EmbeddingModelSpec and models.yaml
 * </pre>
 *
 * <p>Rules: an unknown key is an error (typos must not pass silently), except keys starting with
 * {@code x-} anywhere, which are ignored (yours to use, and where later versions will never put a
 * field). Ids and aliases share one namespace and must be unique. A key with no value ({@code
 * parallel:}) means its default. Scalars follow YAML 1.2: only {@code true}/{@code false} are
 * booleans; numbers must be numbers ({@code "8"} quoted is a string). Errors are
 * {@link ConfigException}s at the first problem, positioned at the offending key (or list item,
 * or the mapping that misses a required key).
 *
 * <p>Forward compatibility: a file valid today stays valid; new fields are added as new optional
 * keys.
 *
 * <p>Stateless; safe from any thread. Reading a file is blocking I/O: not on an event loop.
 */
public final class NodeConfigReader {
    private static final List<String> TOP_KEYS = List.of("server", "models", "gateway", "jobs");
    private static final List<String> JOB_KEYS = List.of("max_concurrent_runs", "missed", "webhook_allow",
            "webhook_timeout");
    private static final Pattern WEBHOOK_PREFIX = Pattern.compile("https?://[^/?#@\\s]+(/[^\\s]*)?");
    private static final List<String> GATEWAY_KEYS = List.of("allow_keyless_remote", "node_id", "cache", "ledger",
            "guardrails", "shared_prefixes", "prices");
    private static final List<String> CACHE_KEYS = List.of("enabled", "ttl", "max_bytes", "deterministic_only");
    private static final List<String> LEDGER_KEYS = List.of("retention", "batch_size", "flush_interval");
    private static final List<String> GUARDRAIL_KEYS = List.of("deny", "max_prompt_chars", "action", "window");
    private static final List<String> PRICE_KEYS = List.of("input", "cached_input", "output", "compute_per_second");
    private static final Pattern ANY_TEXT = Pattern.compile("(?s).+");
    private static final List<String> SERVER_KEYS = List.of("host", "port", "data_dir", "cors_allowed_origins",
            "max_body_bytes", "memory_budget", "routing", "connections", "live");
    private static final List<String> LIVE_KEYS = List.of("disconnect_grace", "max_clients_per_session",
            "max_message_bytes", "ping_interval", "max_client_lag", "retain_turns", "retain_for");
    private static final List<String> CONNECTION_KEYS = List.of("header_timeout", "body_timeout", "idle_timeout",
            "max_pipelined_requests", "max_pipelined_bytes");
    private static final List<String> ROUTING_KEYS = List.of("auto_large_model", "auto_large_threshold_tokens");
    private static final List<String> MODEL_KEYS = List.of("id", "path", "source", "sha256", "synthetic", "aliases",
            "parallel", "context", "threads", "gpu_layers", "max_batch_tokens", "max_queue", "kv_type", "sampling",
            "keep_alive", "preload", "default", "fallbacks", "kind", "chat_template_file");
    private static final List<String> EMBEDDING_KEYS = List.of("id", "kind", "builtin", "path", "tokenizer",
            "aliases", "pooling", "max_input_tokens", "max_batch", "input_batching", "batch_wait", "threads",
            "workers", "max_queue");
    private static final String KIND_EMBEDDING = "embedding";
    private static final String KIND_GENERATION = "generation";
    private static final List<String> SYNTHETIC_KEYS = List.of("preset", "quant");
    private static final List<String> SAMPLING_KEYS =
            List.of("temperature", "top_p", "top_k", "min_p", "repeat_penalty", "max_tokens");
    private static final Map<String, GgmlTypeId> KV_TYPES =
            Map.of("f16", GgmlTypeId.F16, "q8_0", GgmlTypeId.Q8_0, "q4_0", GgmlTypeId.Q4_0);

    /** Model ids and aliases: what clients send as {@code model}, and a metrics label value. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}");
    private static final Pattern ORIGIN = Pattern.compile("\\*|https?://[^/\\s?#]+");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)?");

    private final String source;
    private final Path baseDir;
    /** Every id and alias seen so far -> the field that took it, with its line. */
    private final Map<String, String> names = new HashMap<>();
    private final List<Reference> references = new ArrayList<>();

    private NodeConfigReader(String source, Path baseDir) {
        this.source = source;
        this.baseDir = baseDir;
    }

    /**
     * Reads {@code file}; relative paths in it resolve against the file's folder.
     *
     * @throws ConfigException when the file cannot be read or breaks a rule; the message starts
     *     with {@code file} as given and the line and column
     */
    public static NodeConfig read(Path file) {
        Objects.requireNonNull(file, "file");
        String name = file.toString();
        String text;
        try {
            if (Files.size(file) > YamlTree.MAX_CHARS) {
                throw new ConfigException(name, 0, 0, "", "larger than " + YamlTree.MAX_CHARS + " bytes");
            }
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(name, 0, 0, "", "no such file", e);
        } catch (CharacterCodingException e) {
            throw new ConfigException(name, 0, 0, "", "not valid UTF-8", e);
        } catch (IOException e) {
            throw new ConfigException(name, 0, 0, "", "cannot read: " + e, e);
        }
        Path dir = file.toAbsolutePath().normalize().getParent();
        return parse(text, dir, name);
    }

    /**
     * Parses models.yaml text.
     *
     * @param baseDir the folder relative paths resolve against (made absolute)
     * @param sourceName the name errors start with, such as the file's name
     * @throws ConfigException when the text breaks a rule
     */
    public static NodeConfig parse(String yaml, Path baseDir, String sourceName) {
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(baseDir, "baseDir");
        Objects.requireNonNull(sourceName, "sourceName");
        String text = yaml.startsWith("\uFEFF") ? yaml.substring(1) : yaml;
        return new NodeConfigReader(sourceName, baseDir.toAbsolutePath().normalize()).document(text);
    }

    private NodeConfig document(String text) {
        Node root;
        try {
            root = YamlTree.parse(text);
        } catch (YamlTree.SyntaxException e) {
            throw new ConfigException(source, e.mark.line(), e.mark.column(), "", e.getMessage(), e);
        }
        if (root == null || root instanceof Scalar s && s.isNull()) {
            throw error(new Mark(1, 1), "models", "required but missing (the document is empty)");
        }
        if (!(root instanceof Mapping top)) {
            throw error(root.mark(), "", "must be a mapping with the keys server and models, got " + describe(root));
        }
        Section doc = new Section(top, "", TOP_KEYS, Map.of());
        Entry serverEntry = doc.entry("server");
        ServerSettings server = serverEntry == null ? ServerSettings.defaults(baseDir) : server(doc, serverEntry);
        Entry modelsEntry = doc.entry("models");
        if (modelsEntry == null) {
            throw error(top.mark(), "models", "required but missing");
        }
        if (!(modelsEntry.value() instanceof Sequence list)) {
            throw doc.invalid(modelsEntry, "must be a list of models");
        }
        if (list.items().isEmpty()) {
            throw error(modelsEntry.keyMark(), "models", "must list at least one model");
        }
        // The first model is preloaded only when no model says anything about preloading.
        boolean anyPreloadKey = list.items().stream().anyMatch(n -> n instanceof Mapping m
                && (m.entries().containsKey("preload") || m.entries().containsKey("default")));
        List<ModelSpec> models = new ArrayList<>(list.items().size());
        List<EmbeddingModelSpec> embedding = new ArrayList<>();
        for (int i = 0; i < list.items().size(); i++) {
            Node item = list.items().get(i);
            if (isEmbedding(item, "models[" + i + "]")) {
                embedding.add(embeddingModel((Mapping) item, "models[" + i + "]"));
            } else {
                models.add(model(item, "models[" + i + "]", models.isEmpty() && !anyPreloadKey, server.dataDir()));
            }
        }
        Entry gatewayEntry = doc.entry("gateway");
        GatewaySettings gateway = gatewayEntry == null ? GatewaySettings.DEFAULTS : gateway(doc, gatewayEntry);
        for (Reference ref : references) {
            if (models.stream().noneMatch(m -> m.id().equals(ref.id()))) {
                throw error(ref.at(), ref.field(), quote(ref.id()) + " is not the id of a model in this file"
                        + " (known: " + String.join(", ", models.stream().map(ModelSpec::id).toList()) + ")");
            }
        }
        Entry jobsEntry = doc.entry("jobs");
        JobSettings jobs = jobsEntry == null ? JobSettings.DEFAULTS : jobs(doc, jobsEntry);
        return new NodeConfig(server, models, baseDir, embedding, gateway, jobs);
    }

    // jobs:

    private JobSettings jobs(Section doc, Entry entry) {
        if (!(entry.value() instanceof Mapping m)) {
            throw doc.invalid(entry, "must be a mapping");
        }
        Section j = new Section(m, "jobs", JOB_KEYS, Map.of());
        JobSettings d = JobSettings.DEFAULTS;
        String missed = j.string("missed").orElse("run_once");
        if (!missed.equals("run_once") && !missed.equals("skip")) {
            throw j.invalid(j.entry("missed"), "must be run_once or skip");
        }
        return new JobSettings(
                j.integer("max_concurrent_runs", d.maxConcurrentRuns(), 1, 1024, "must be an integer from 1 to 1024"),
                missed.equals("run_once"),
                j.stringList("webhook_allow", WEBHOOK_PREFIX, "must be an http(s) URL prefix such as"
                        + " https://hooks.example.com/edgenode/"),
                positiveDuration(j, "webhook_timeout", "must be a positive duration such as 10s")
                        .orElse(d.webhookTimeout()));
    }

    // gateway:

    private GatewaySettings gateway(Section doc, Entry entry) {
        if (!(entry.value() instanceof Mapping m)) {
            throw doc.invalid(entry, "must be a mapping");
        }
        Section g = new Section(m, "gateway", GATEWAY_KEYS, Map.of());
        GatewaySettings d = GatewaySettings.DEFAULTS;
        String nodeId = g.string("node_id").orElse("");
        if (!nodeId.isEmpty() && !NAME.matcher(nodeId).matches()) {
            throw g.invalid(g.entry("node_id"), "must be a name of letters, digits, '.', '_' or '-'");
        }
        List<String> shared = g.stringList("shared_prefixes", ANY_TEXT, "must be a non-empty prompt text");
        return new GatewaySettings(g.bool("allow_keyless_remote", false), nodeId, cache(g), ledger(g), guardrails(g),
                shared, prices(g));
    }

    private GatewaySettings.Cache cache(Section g) {
        Optional<Section> sub = g.subsection("cache", CACHE_KEYS, "{enabled: true, ttl: 5m, max_bytes: 64MiB}");
        GatewaySettings.Cache d = GatewaySettings.Cache.OFF;
        if (sub.isEmpty()) {
            return d;
        }
        Section s = sub.get();
        String rule = "must be a positive duration such as 30s, 5m or 1h";
        long maxBytes = s.entry("max_bytes") == null ? d.maxBytes() : s.bytes("max_bytes");
        return new GatewaySettings.Cache(s.bool("enabled", true), positiveDuration(s, "ttl", rule).orElse(d.ttl()),
                maxBytes, s.bool("deterministic_only", d.deterministicOnly()));
    }

    private GatewaySettings.Ledger ledger(Section g) {
        Optional<Section> sub = g.subsection("ledger", LEDGER_KEYS, "{retention: 90d, batch_size: 512}");
        GatewaySettings.Ledger d = GatewaySettings.Ledger.DEFAULTS;
        if (sub.isEmpty()) {
            return d;
        }
        Section s = sub.get();
        String rule = "must be a positive duration such as 200ms, 1h or 90d";
        return new GatewaySettings.Ledger(positiveDuration(s, "retention", rule).orElse(d.retention()),
                s.integer("batch_size", d.batchSize(), 1, 100_000, "must be an integer from 1 to 100000"),
                positiveDuration(s, "flush_interval", rule).orElse(d.flushInterval()));
    }

    private GatewaySettings.Guardrails guardrails(Section g) {
        Optional<Section> sub = g.subsection("guardrails", GUARDRAIL_KEYS,
                "{deny: [\"(?i)password\"], max_prompt_chars: 100000, action: block}");
        GatewaySettings.Guardrails d = GatewaySettings.Guardrails.NONE;
        if (sub.isEmpty()) {
            return d;
        }
        Section s = sub.get();
        List<Pattern> deny = new ArrayList<>();
        List<String> patterns = s.stringList("deny", ANY_TEXT, "must be a regular expression");
        for (int i = 0; i < patterns.size(); i++) {
            try {
                deny.add(Pattern.compile(patterns.get(i)));
            } catch (java.util.regex.PatternSyntaxException e) {
                Node item = ((Sequence) s.entry("deny").value()).items().get(i);
                throw error(item.mark(), s.field("deny") + "[" + i + "]", "is not a valid regular expression: "
                        + e.getDescription());
            }
        }
        GatewaySettings.Action action = d.action();
        Optional<String> a = s.string("action");
        if (a.isPresent()) {
            try {
                action = GatewaySettings.Action.parse(a.get());
            } catch (IllegalArgumentException e) {
                throw s.invalid(s.entry("action"), "must be block or flag");
            }
        }
        return new GatewaySettings.Guardrails(deny,
                s.integer("max_prompt_chars", 0, 0, Integer.MAX_VALUE, "must be an integer >= 0 (0: no limit)"),
                action, s.integer("window", d.window(), 1, 1 << 20, "must be a positive number of characters"));
    }

    private Map<String, ModelPrice> prices(Section g) {
        Entry e = g.entry("prices");
        if (e == null) {
            return Map.of();
        }
        if (!(e.value() instanceof Mapping m)) {
            throw g.invalid(e, "must map model ids to prices, such as {demo: {input: 0.1, output: 0.4}}");
        }
        Map<String, ModelPrice> out = new java.util.LinkedHashMap<>();
        for (Entry modelEntry : m.entries().values()) {
            String field = g.field("prices") + "." + modelEntry.key();
            if (!(modelEntry.value() instanceof Mapping pm)) {
                throw error(modelEntry.keyMark(), field, "must be a mapping such as {input: 0.1, output: 0.4}, got "
                        + describe(modelEntry.value()));
            }
            references.add(new Reference(modelEntry.key(), field, modelEntry.keyMark()));
            Section p = new Section(pm, field, PRICE_KEYS, Map.of());
            String rule = "must be a number of dollars >= 0";
            double input = p.number("input", 0, 1e9, rule).orElse(0.0);
            out.put(modelEntry.key(), new ModelPrice(input, p.number("cached_input", 0, 1e9, rule).orElse(input),
                    p.number("output", 0, 1e9, rule).orElse(0.0),
                    p.number("compute_per_second", 0, 1e9, rule).orElse(0.0)));
        }
        return out;
    }

    /** A model id named by a field ({@code fallbacks}, {@code auto_large_model}), checked once all models are read. */
    private record Reference(String id, String field, Mark at) {}

    // server:

    private ServerSettings server(Section doc, Entry entry) {
        if (!(entry.value() instanceof Mapping m)) {
            throw doc.invalid(entry, "must be a mapping");
        }
        Section s = new Section(m, "server", SERVER_KEYS, Map.of());
        String host = s.string("host").orElse(ServerSettings.DEFAULT_HOST);
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
            throw s.invalid(s.entry("host"), "must be a host name or address");
        }
        int port = s.integer("port", ServerSettings.DEFAULT_PORT, 0, 65535, "must be a port number from 0 to 65535");
        Path dataDir = s.path("data_dir").orElse(baseDir.resolve(ServerSettings.DEFAULT_DATA_DIR).normalize());
        List<String> origins = s.stringList("cors_allowed_origins", ORIGIN,
                "must be an origin such as \"https://app.example.com\" (scheme and host, optional port, no path)"
                        + " or \"*\"");
        int maxBody = s.integer("max_body_bytes", ServerSettings.DEFAULT_MAX_BODY_BYTES, 1, Integer.MAX_VALUE,
                "must be a positive integer");
        long budget = s.bytes("memory_budget");
        RoutingSettings routing = routing(s);
        return new ServerSettings(host, port, dataDir, origins, maxBody, budget, routing, connections(s), live(s));
    }

    private RoutingSettings routing(Section server) {
        Optional<Section> sub = server.subsection("routing", ROUTING_KEYS,
                "{auto_large_model: big, auto_large_threshold_tokens: 2048}");
        if (sub.isEmpty()) {
            return RoutingSettings.DEFAULTS;
        }
        Section s = sub.get();
        Optional<String> large = s.string("auto_large_model");
        large.ifPresent(id -> references.add(new Reference(id, s.field("auto_large_model"),
                s.entry("auto_large_model").keyMark())));
        int threshold = s.integer("auto_large_threshold_tokens", RoutingSettings.DEFAULT_THRESHOLD, 1,
                Integer.MAX_VALUE, "must be a positive integer (prompt tokens)");
        return new RoutingSettings(large, threshold);
    }

    private ConnectionLimits connections(Section server) {
        Optional<Section> sub = server.subsection("connections", CONNECTION_KEYS,
                "{header_timeout: 20s, idle_timeout: 75s}");
        if (sub.isEmpty()) {
            return ConnectionLimits.DEFAULTS;
        }
        Section s = sub.get();
        ConnectionLimits d = ConnectionLimits.DEFAULTS;
        String rule = "must be a positive duration such as 500ms, 20s or 5m";
        long pipelinedBytes = s.entry("max_pipelined_bytes") == null ? d.maxPipelinedBytes()
                : s.bytes("max_pipelined_bytes");
        return new ConnectionLimits(
                positiveDuration(s, "header_timeout", rule).orElse(d.headerTimeout()),
                positiveDuration(s, "body_timeout", rule).orElse(d.bodyTimeout()),
                positiveDuration(s, "idle_timeout", rule).orElse(d.idleTimeout()),
                s.integer("max_pipelined_requests", d.maxPipelinedRequests(), 1, 1024,
                        "must be an integer from 1 to 1024"),
                pipelinedBytes);
    }

    private io.edgenode.server.live.LiveSettings live(Section server) {
        var d = io.edgenode.server.live.LiveSettings.DEFAULTS;
        Optional<Section> sub = server.subsection("live", LIVE_KEYS, "{disconnect_grace: 2m, max_clients_per_session: 256}");
        if (sub.isEmpty()) {
            return d;
        }
        Section s = sub.get();
        String rule = "must be a positive duration such as 500ms, 20s or 5m";
        Entry grace = s.entry("disconnect_grace");
        Duration graceValue = grace == null ? d.disconnectGrace() : duration(s, grace, "must be a duration such as 30s"
                + " or 2m (0: cancel a session turn as soon as nobody watches it)");
        Entry maxMessage = s.entry("max_message_bytes");
        long message = maxMessage == null ? d.maxMessageBytes() : s.bytes("max_message_bytes");
        if (message < 1024 || message > 64L << 20) {
            throw s.invalid(maxMessage, "must be from 1KiB to 64MiB");
        }
        return new io.edgenode.server.live.LiveSettings(graceValue,
                s.integer("max_clients_per_session", d.maxClientsPerSession(), 1, 100_000,
                        "must be an integer from 1 to 100000"),
                (int) message,
                positiveDuration(s, "ping_interval", rule).orElse(d.pingInterval()),
                s.integer("max_client_lag", d.maxClientLag(), 16, 10_000_000, "must be an integer from 16 (events)"),
                s.integer("retain_turns", d.retainTurns(), 1, 1000, "must be an integer from 1 to 1000"),
                positiveDuration(s, "retain_for", rule).orElse(d.retainFor()));
    }

    private static Optional<Duration> positiveDuration(Section s, String key, String rule) {
        Entry e = s.entry(key);
        if (e == null) {
            return Optional.empty();
        }
        Duration d = duration(s, e, rule);
        if (d.isZero()) {
            throw s.invalid(e, rule);
        }
        return Optional.of(d);
    }

    /** {@code 30s}, {@code 5m}, {@code 1h}, {@code 2d}, {@code 500ms}, or a bare number of seconds. */
    private static Duration duration(Section s, Entry e, String rule) {
        if (!(e.value() instanceof Scalar v)) {
            throw s.invalid(e, rule);
        }
        var m = DURATION.matcher(v.text().strip().toLowerCase(Locale.ROOT));
        if (v.token() == JsonToken.VALUE_NUMBER_FLOAT || !m.matches()) {
            throw s.invalid(e, rule);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    // models[i]:

    private ModelSpec model(Node node, String path, boolean preloadIfUnsaid, Path dataDir) {
        if (!(node instanceof Mapping m)) {
            throw error(node.mark(), path, "must be a mapping with at least id and path (or source), got "
                    + describe(node));
        }
        Section s = new Section(m, path, MODEL_KEYS, Map.of());
        String id = s.required("id", () -> s.string("id"));
        if (!NAME.matcher(id).matches()) {
            throw s.invalid(s.entry("id"), nameRule());
        }
        if (id.equals(RoutingSettings.AUTO)) {
            throw s.invalid(s.entry("id"), "\"auto\" asks for automatic routing; choose another name");
        }
        claim(id, s.field("id"), s.entry("id").keyMark());
        Optional<String> source = s.string("source");
        ModelSource parsedSource = null;
        if (source.isPresent()) {
            try {
                parsedSource = ModelSource.parse(source.get());
            } catch (IllegalArgumentException ex) {
                throw s.invalid(s.entry("source"), "must be hf://owner/repo/file.gguf or an https:// URL of the file ("
                        + ex.getMessage() + ")");
            }
        }
        Optional<String> sha256 = s.string("sha256");
        if (sha256.isPresent() && !SHA256.matcher(sha256.get()).matches()) {
            throw s.invalid(s.entry("sha256"), "must be the file's SHA-256 as 64 hex digits");
        }
        if (source.isPresent() && source.get().regionMatches(true, 0, "http://", 0, 7) && sha256.isEmpty()) {
            // Plain HTTP is neither private nor authenticated: only a checksum makes the bytes trustworthy.
            throw s.invalid(s.entry("source"), "is plain http:// and needs a sha256 beside it (or use https://)");
        }
        Optional<Path> explicitPath = s.path("path");
        Path file;
        if (explicitPath.isPresent()) {
            file = explicitPath.get();
        } else if (source.isPresent()) {
            try {
                file = dataDir.resolve("models").resolve(parsedSource.fileName()).normalize();
            } catch (IllegalArgumentException ex) { // InvalidPathException included
                throw s.invalid(s.entry("source"), "names no file (" + ex.getMessage() + "); give a path too");
            }
        } else {
            file = s.required("path", () -> Optional.<Path>empty());
        }
        Optional<SyntheticSpec> synthetic = synthetic(s);
        List<String> aliases = s.stringList("aliases", NAME, nameRule());
        Sequence aliasNodes = s.entry("aliases") == null ? null : (Sequence) s.entry("aliases").value();
        for (int i = 0; i < aliases.size(); i++) {
            if (aliases.get(i).equals(RoutingSettings.AUTO)) {
                throw error(aliasNodes.items().get(i).mark(), s.field("aliases") + "[" + i + "]",
                        "\"auto\" asks for automatic routing; choose another name");
            }
            claim(aliases.get(i), s.field("aliases") + "[" + i + "]", aliasNodes.items().get(i).mark());
        }
        int parallel = s.integer("parallel", ModelSpec.DEFAULT_PARALLEL, 1, ModelSpec.MAX_PARALLEL,
                "must be an integer from 1 to " + ModelSpec.MAX_PARALLEL);
        int context = s.integer("context", ModelSpec.DEFAULT_CONTEXT, 1, Integer.MAX_VALUE, "must be a positive integer");
        if (context < parallel) {
            String key = s.entry("context") != null ? "context" : "parallel";
            throw error(s.entry(key).keyMark(), s.field("context"),
                    "must be at least parallel (" + parallel + "): each sequence needs KV cells, got " + context);
        }
        int threads = s.integer("threads", Runtime.getRuntime().availableProcessors(), 1, Integer.MAX_VALUE,
                "must be a positive integer");
        int gpuLayers = s.integer("gpu_layers", ModelSpec.DEFAULT_GPU_LAYERS, -1, Integer.MAX_VALUE,
                "must be -1 (all layers), 0 (none) or a positive integer");
        int maxBatch = s.integer("max_batch_tokens", ModelSpec.DEFAULT_MAX_BATCH_TOKENS, 1, Integer.MAX_VALUE,
                "must be a positive integer");
        if (maxBatch < parallel) {
            String key = s.entry("max_batch_tokens") != null ? "max_batch_tokens" : "parallel";
            throw error(s.entry(key).keyMark(), s.field("max_batch_tokens"), "must be at least parallel (" + parallel
                    + "): every decoding sequence takes one token a step, got " + maxBatch);
        }
        int maxQueue = s.integer("max_queue", ModelSpec.DEFAULT_MAX_QUEUE, 1, Integer.MAX_VALUE,
                "must be a positive integer");
        GgmlTypeId kvType = s.string("kv_type").map(t -> {
            GgmlTypeId type = KV_TYPES.get(t.toLowerCase(Locale.ROOT));
            if (type == null) {
                throw s.invalid(s.entry("kv_type"), "must be one of f16, q8_0, q4_0");
            }
            return type;
        }).orElse(GgmlTypeId.F16);
        SamplingDefaults sampling = sampling(s);
        Optional<Boolean> preloadKey = s.optionalBool("preload");
        Optional<Boolean> defaultKey = s.optionalBool("default");
        if (preloadKey.isPresent() && defaultKey.isPresent() && !preloadKey.equals(defaultKey)) {
            throw s.invalid(s.entry("default"), "is the older name of preload and must agree with it ("
                    + preloadKey.get() + ")");
        }
        boolean preload = preloadKey.or(() -> defaultKey).orElse(preloadIfUnsaid);
        Optional<Duration> keepAlive = keepAlive(s, preload);
        List<String> fallbacks = s.stringList("fallbacks", NAME, "must be the id of another model");
        for (int i = 0; i < fallbacks.size(); i++) {
            Mark at = ((Sequence) s.entry("fallbacks").value()).items().get(i).mark();
            String f = s.field("fallbacks") + "[" + i + "]";
            if (fallbacks.get(i).equals(id)) {
                throw error(at, f, "a model cannot be its own fallback");
            }
            references.add(new Reference(fallbacks.get(i), f, at));
        }
        Optional<Path> templateFile = s.string("chat_template_file").map(t -> {
            Path p = baseDir.resolve(t).normalize();
            if (!Files.isRegularFile(p)) {
                throw s.invalid(s.entry("chat_template_file"), "must name a readable file, and " + p + " is not one");
            }
            return p;
        });
        return new ModelSpec(id, file, synthetic, source, sha256.map(h -> h.toLowerCase(Locale.ROOT)), aliases,
                parallel, context, threads, gpuLayers, maxBatch, maxQueue, kvType, sampling, keepAlive, preload,
                fallbacks, templateFile);
    }

    // models[i] with kind: embedding

    /** Whether the entry says {@code kind: embedding}; any other kind than generation is an error. */
    private boolean isEmbedding(Node node, String path) {
        if (!(node instanceof Mapping m) || !(m.entries().get("kind") instanceof Entry e)) {
            return false;
        }
        String kind = e.value() instanceof Scalar v && !v.isNull() ? v.text() : "";
        if (kind.equals(KIND_EMBEDDING)) {
            return true;
        }
        if (kind.equals(KIND_GENERATION) || e.value() instanceof Scalar v && v.isNull()) {
            return false;
        }
        throw error(e.keyMark(), path + ".kind", "must be generation or embedding, got " + describe(e.value()));
    }

    private EmbeddingModelSpec embeddingModel(Mapping m, String path) {
        Section s = new Section(m, path, EMBEDDING_KEYS, Map.of());
        String id = s.required("id", () -> s.string("id"));
        if (!NAME.matcher(id).matches()) {
            throw s.invalid(s.entry("id"), nameRule());
        }
        if (id.equals(RoutingSettings.AUTO)) {
            throw s.invalid(s.entry("id"), "\"auto\" asks for automatic routing; choose another name");
        }
        claim(id, s.field("id"), s.entry("id").keyMark());
        List<String> aliases = s.stringList("aliases", NAME, nameRule());
        Sequence aliasNodes = s.entry("aliases") == null ? null : (Sequence) s.entry("aliases").value();
        for (int i = 0; i < aliases.size(); i++) {
            claim(aliases.get(i), s.field("aliases") + "[" + i + "]", aliasNodes.items().get(i).mark());
        }
        Optional<BuiltinEmbeddingModel> builtin = s.string("builtin").map(name -> BuiltinEmbeddingModel.named(name)
                .filter(BuiltinEmbeddingModel::present)
                .orElseThrow(() -> s.invalid(s.entry("builtin"), "must be the name of a bundled model ("
                        + String.join(", ", java.util.Arrays.stream(BuiltinEmbeddingModel.values())
                                .filter(BuiltinEmbeddingModel::present).map(BuiltinEmbeddingModel::wireName).toList())
                        + ")")));
        Optional<Path> file = s.path("path");
        Optional<Path> tokenizer = s.path("tokenizer");
        if (builtin.isPresent() && (file.isPresent() || tokenizer.isPresent())) {
            throw s.invalid(s.entry(file.isPresent() ? "path" : "tokenizer"), "cannot be given with builtin");
        }
        boolean gguf = file.isPresent() && EmbeddingModelSpec.isGgufPath(file.get());
        if (builtin.isEmpty()) {
            s.required("path", () -> file);
            if (gguf && tokenizer.isPresent()) {
                throw s.invalid(s.entry("tokenizer"), "is not used by a .gguf model (its vocabulary is in the file)");
            }
            if (!gguf) {
                s.required("tokenizer", () -> tokenizer);
            }
        }
        if (gguf && s.entry("input_batching") != null) {
            throw s.invalid(s.entry("input_batching"), "applies to ONNX models only");
        }
        Pooling pooling = s.string("pooling").map(p -> switch (p) {
            case "mean" -> Pooling.MEAN;
            case "cls" -> Pooling.CLS;
            case "last" -> gguf ? Pooling.LAST : null;
            case "model" -> gguf ? Pooling.MODEL : null;
            default -> null; // refused below, with the rule for this kind of model
        }).orElse(null);
        if (pooling == null && s.entry("pooling") != null) {
            throw s.invalid(s.entry("pooling"), gguf ? "must be mean, cls, last or model" : "must be mean or cls");
        }
        if (pooling == null) {
            pooling = builtin.map(BuiltinEmbeddingModel::pooling).orElse(Pooling.MEAN);
        }
        InputBatching batching = s.string("input_batching").map(b -> switch (b) {
            case "auto" -> InputBatching.AUTO;
            case "shared" -> InputBatching.SHARED;
            case "per_input" -> InputBatching.PER_INPUT;
            default -> throw s.invalid(s.entry("input_batching"), "must be auto, shared or per_input");
        }).orElse(InputBatching.AUTO);
        Duration batchWait = s.entry("batch_wait") == null ? Duration.ZERO
                : duration(s, s.entry("batch_wait"), "must be a duration such as 0, 2ms or 1s");
        return new EmbeddingModelSpec(id, aliases, builtin, file, tokenizer, pooling,
                gguf ? s.integer("max_input_tokens", LlamaEmbedderConfig.MODEL_CONTEXT, 2, 1 << 20,
                        "must be an integer from 2 to 1048576 (default: the model's context)")
                        : s.integer("max_input_tokens", OnnxEmbedderConfig.DEFAULT_MAX_INPUT_TOKENS, 2, 8192,
                        "must be an integer from 2 to 8192"),
                gguf ? s.integer("max_batch", EmbeddingModelSpec.DEFAULT_MAX_BATCH, 1, LlamaEmbedderConfig.MAX_SEQUENCES,
                        "must be an integer from 1 to " + LlamaEmbedderConfig.MAX_SEQUENCES + " for a .gguf model")
                        : s.integer("max_batch", EmbeddingModelSpec.DEFAULT_MAX_BATCH, 1,
                        EmbeddingModelSpec.MAX_BATCH_LIMIT, "must be an integer from 1 to "
                        + EmbeddingModelSpec.MAX_BATCH_LIMIT),
                s.integer("threads", EmbeddingModelSpec.DEFAULT_THREADS, 1, 256, "must be an integer from 1 to 256"),
                gguf ? s.integer("workers", EmbeddingModelSpec.DEFAULT_WORKERS, 1, 1,
                        "must be 1 for a .gguf model (one llama.cpp context, one thread)")
                        : s.integer("workers", EmbeddingModelSpec.DEFAULT_WORKERS, 1, 64, "must be an integer from 1 to 64"),
                s.integer("max_queue", EmbeddingModelSpec.DEFAULT_MAX_QUEUE, 1, Integer.MAX_VALUE,
                        "must be a positive integer"),
                batchWait, batching);
    }

    private Optional<Duration> keepAlive(Section s, boolean preload) {
        Entry e = s.entry("keep_alive");
        Optional<Duration> byDefault = preload ? Optional.empty() : Optional.of(ModelSpec.DEFAULT_KEEP_ALIVE);
        if (e == null) {
            return byDefault;
        }
        String rule = "must be a duration such as 30s, 5m, 1h (0: unload when idle), or -1 / forever";
        if (!(e.value() instanceof Scalar v)) {
            throw s.invalid(e, rule);
        }
        String text = v.text().strip().toLowerCase(Locale.ROOT);
        if (text.equals("-1") || text.equals("forever")) {
            return Optional.empty();
        }
        return Optional.of(duration(s, e, rule));
    }

    private SamplingDefaults sampling(Section model) {
        Optional<Section> sub = model.subsection("sampling", SAMPLING_KEYS, "{temperature: 0.7, top_p: 0.9}");
        if (sub.isEmpty()) {
            return SamplingDefaults.NONE;
        }
        Section s = sub.get();
        return new SamplingDefaults(
                s.decimal("temperature", 0, 2, "must be a number from 0 to 2"),
                s.decimal("top_p", 0, 1, "must be a number from 0 to 1"),
                s.entry("top_k") == null ? OptionalInt.empty()
                        : OptionalInt.of(s.integer("top_k", 0, 0, Integer.MAX_VALUE, "must be an integer >= 0 (0 disables)")),
                s.decimal("min_p", 0, 1, "must be a number from 0 to 1"),
                s.decimal("repeat_penalty", Math.ulp(0f), Float.MAX_VALUE, "must be a number above 0"),
                s.entry("max_tokens") == null ? OptionalInt.empty()
                        : OptionalInt.of(s.integer("max_tokens", 1, 1, Integer.MAX_VALUE, "must be a positive integer")));
    }

    private Optional<SyntheticSpec> synthetic(Section model) {
        Optional<Section> sub = model.subsection("synthetic", SYNTHETIC_KEYS, "{preset: tiny, quant: q8_0}");
        if (sub.isEmpty()) {
            return Optional.empty();
        }
        Section s = sub.get();
        String presetName = s.required("preset", () -> s.string("preset"));
        ModelPreset preset = ModelPreset.byName(presetName).orElseThrow(() -> s.invalid(s.entry("preset"),
                "must be one of " + String.join(", ", List.of(ModelPreset.values()).stream().map(ModelPreset::id)
                        .toList())));
        String quant = s.string("quant").orElse(SyntheticSpec.DEFAULT_QUANT);
        QuantType type;
        try {
            type = QuantType.parse(quant);
        } catch (IllegalArgumentException ex) {
            throw s.invalid(s.entry("quant"), "must be one of " + String.join(", ",
                    List.of(QuantType.values()).stream().map(QuantType::cliName).toList()));
        }
        return Optional.of(new SyntheticSpec(preset.id(), type.cliName()));
    }

    /** Records {@code name} as taken by {@code field}, or fails naming who took it first. */
    private void claim(String name, String field, Mark at) {
        String first = names.putIfAbsent(name, field + " (line " + at.line() + ")");
        if (first != null) {
            throw error(at, field, quote(name) + " is already used by " + first
                    + "; ids and aliases must be unique across models");
        }
    }

    private static String nameRule() {
        return "must start with a letter or digit and use only letters, digits and . _ : / @ + - (at most 128)";
    }

    private ConfigException error(Mark at, String field, String reason) {
        return new ConfigException(source, at.line(), at.column(), field, reason);
    }

    /** How a value reads in an error: strings quoted, numbers and booleans as written. */
    static String describe(Node n) {
        return switch (n) {
            case Mapping m -> "a mapping";
            case Sequence s -> "a list";
            case Scalar s when s.isNull() -> "nothing";
            case Scalar s when s.token() == JsonToken.VALUE_STRING -> quote(s.text());
            case Scalar s -> s.text();
        };
    }

    private static String quote(String s) {
        String t = s.length() > 60 ? s.substring(0, 57) + "..." : s;
        return '"' + t.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }

    private static String suggestion(String key, List<String> known) {
        String best = null;
        int bestDistance = 3; // suggest only close misspellings
        for (String k : known) {
            int d = editDistance(key.toLowerCase(Locale.ROOT), k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best == null ? "" : "; did you mean '" + best + "'?";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * One mapping of the document and the typed reads of its keys. Construction checks the keys
     * (unknown, reserved); reads return the default for an absent or empty key.
     */
    private final class Section {
        final Mapping map;
        final String path;

        Section(Mapping map, String path, List<String> known, Map<String, String> reserved) {
            this.map = map;
            this.path = path;
            for (Entry e : map.entries().values()) {
                String k = e.key();
                if (k.startsWith("x-") || known.contains(k)) {
                    continue;
                }
                String reason = reserved.get(k);
                throw error(e.keyMark(), field(k), reason != null ? reason
                        : "unknown key" + suggestion(k, known) + " (known: " + String.join(", ", known)
                                + "; your own keys need an 'x-' prefix)");
            }
        }

        String field(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        /** The entry for {@code key}, or null when absent or without a value. */
        Entry entry(String key) {
            Entry e = map.entries().get(key);
            return e == null || e.value() instanceof Scalar s && s.isNull() ? null : e;
        }

        /** The mapping under {@code key} with its own known keys, or empty when absent; {@code example} shows its shape. */
        Optional<Section> subsection(String key, List<String> known, String example) {
            Entry e = entry(key);
            if (e == null) {
                return Optional.empty();
            }
            if (!(e.value() instanceof Mapping m)) {
                throw invalid(e, "must be a mapping such as " + example);
            }
            return Optional.of(new Section(m, field(key), known, Map.of()));
        }

        ConfigException invalid(Entry e, String rule) {
            return error(e.keyMark(), field(e.key()), rule + ", got " + describe(e.value()));
        }

        /** {@code read}'s value; fails at the mapping when the key is absent, at the key when it is empty. */
        <T> T required(String key, Supplier<Optional<T>> read) {
            return read.get().orElseThrow(() -> {
                Entry raw = map.entries().get(key);
                return raw != null ? error(raw.keyMark(), field(key), "required but empty")
                        : error(map.mark(), field(key), "required but missing");
            });
        }

        /** A string; numbers are taken as written ({@code id: 7} is "7"), other kinds fail. */
        Optional<String> string(String key) {
            Entry e = entry(key);
            if (e == null) {
                return Optional.empty();
            }
            if (!(e.value() instanceof Scalar s) || !isText(s)) {
                throw invalid(e, "must be a string");
            }
            return Optional.of(s.text());
        }

        Optional<Path> path(String key) {
            Optional<String> text = string(key);
            if (text.isPresent() && text.get().isBlank()) {
                throw invalid(entry(key), "must be a file path");
            }
            try {
                return text.map(t -> baseDir.resolve(t).normalize());
            } catch (InvalidPathException ex) {
                throw invalid(entry(key), "must be a file path (" + ex.getReason() + ")");
            }
        }

        int integer(String key, int defaultValue, int min, int max, String rule) {
            Entry e = entry(key);
            if (e == null) {
                return defaultValue;
            }
            if (e.value() instanceof Scalar s && s.token() == JsonToken.VALUE_NUMBER_INT) {
                BigInteger v = s.number() instanceof BigInteger b ? b : BigInteger.valueOf(s.number().longValue());
                if (v.compareTo(BigInteger.valueOf(min)) >= 0 && v.compareTo(BigInteger.valueOf(max)) <= 0) {
                    return v.intValue();
                }
            }
            throw invalid(e, rule);
        }

        boolean bool(String key, boolean defaultValue) {
            Entry e = entry(key);
            if (e == null) {
                return defaultValue;
            }
            if (e.value() instanceof Scalar s) {
                switch (s.token()) {
                    case VALUE_TRUE -> {
                        return true;
                    }
                    case VALUE_FALSE -> {
                        return false;
                    }
                    default -> { }
                }
            }
            throw invalid(e, "must be true or false");
        }

        Optional<Boolean> optionalBool(String key) {
            return entry(key) == null ? Optional.empty() : Optional.of(bool(key, false));
        }

        /** A number (integer or decimal) within {@code [min, max]}, at double precision (prices). */
        Optional<Double> number(String key, double min, double max, String rule) {
            Entry e = entry(key);
            if (e == null) {
                return Optional.empty();
            }
            if (e.value() instanceof Scalar s && s.number() != null) {
                double v = new java.math.BigDecimal(s.text().strip()).doubleValue();
                if (Double.isFinite(v) && v >= min && v <= max) {
                    return Optional.of(v);
                }
            }
            throw invalid(e, rule);
        }

        /** A number (integer or decimal) within {@code [min, max]}. */
        Optional<Float> decimal(String key, double min, double max, String rule) {
            Entry e = entry(key);
            if (e == null) {
                return Optional.empty();
            }
            if (e.value() instanceof Scalar s && s.number() != null) {
                double v = s.number().doubleValue();
                if (Double.isFinite(v) && v >= min && v <= max) {
                    return Optional.of((float) v);
                }
            }
            throw invalid(e, rule);
        }

        /** A byte count: an integer, or a number with a unit ({@code 6GiB}, {@code 512MiB}, {@code 8GB}); 0 when absent. */
        long bytes(String key) {
            Entry e = entry(key);
            if (e == null) {
                return 0;
            }
            String rule = "must be a size such as 6GiB, 512MiB or 8GB, or a number of bytes";
            if (!(e.value() instanceof Scalar s) || !isText(s)) {
                throw invalid(e, rule);
            }
            return ByteSize.parse(s.text()).orElseThrow(() -> invalid(e, rule + " (at least 1 byte)"));
        }

        /** A list of strings, each matching {@code rule}; duplicates within the list fail. */
        List<String> stringList(String key, Pattern pattern, String rule) {
            Entry e = entry(key);
            if (e == null) {
                return List.of();
            }
            if (!(e.value() instanceof Sequence seq)) {
                throw invalid(e, "must be a list, such as [a, b]");
            }
            List<String> out = new ArrayList<>(seq.items().size());
            for (int i = 0; i < seq.items().size(); i++) {
                Node item = seq.items().get(i);
                String f = field(key) + "[" + i + "]";
                if (!(item instanceof Scalar s) || !isText(s) || !pattern.matcher(s.text()).matches()) {
                    throw error(item.mark(), f, rule + ", got " + describe(item));
                }
                if (out.contains(s.text())) {
                    throw error(item.mark(), f, quote(s.text()) + " is listed twice");
                }
                out.add(s.text());
            }
            return out;
        }

        private static boolean isText(Scalar s) {
            return switch (s.token()) {
                case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> true;
                default -> false;
            };
        }
    }
}
