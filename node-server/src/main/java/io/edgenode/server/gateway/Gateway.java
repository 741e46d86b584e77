package io.edgenode.server.gateway;

import io.edgenode.server.config.GatewaySettings;
import io.edgenode.server.config.ModelPrice;
import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.pipeline.SharedPrefixes;
import io.edgenode.server.session.ModelDigests;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The gateway's parts, assembled for one node, and the stages the HTTP pipeline calls:
 * {@link #authenticate} (the router, on the event loop), {@link #admission} (the endpoint, on
 * the request's virtual thread), and through the {@link Admission} the reserve and record
 * stages. Thread-safe; its parts document their own threads. Closing it flushes the ledger: the
 * node closes it after the engines drained, so the last requests' rows are written on SIGTERM.
 */
public final class Gateway implements AutoCloseable {
    public static final String METADATA_HEADER = "x-edgenode-metadata";
    /** Compute estimates start here until the model has run a request: 2 ms per token. */
    private static final double INITIAL_NANOS_PER_TOKEN = 2e6;

    private final GatewaySettings settings;
    private final String nodeId;
    private final KeyRing keys;            // null: keyless (no database)
    private final UsageLedger ledger;      // null: no database
    private final UsageQuery usage;        // null: no database
    private final GatewayMetrics metrics;  // null: no registry
    private final RateLimiter rateLimiter;
    private final BudgetBook budgets;
    private final ResponseCache cache;     // null: off
    private final CachePolicy cachePolicy;
    private final Guardrail guardrail;
    private final SharedPrefixes sharedPrefixes;
    private final StreamSlots streams = new StreamSlots();
    private final AccessLog accessLog = new AccessLog();
    private final ModelDigests digests;
    private final Function<String, Optional<ModelSpec>> models;
    /** Per model: engine nanoseconds per token, a moving average (the budget's compute estimate). */
    private final ConcurrentHashMap<String, Double> nanosPerToken = new ConcurrentHashMap<>();

    private Gateway(GatewaySettings settings, KeyRing keys, UsageLedger ledger, UsageQuery usage,
            GatewayMetrics metrics, ModelDigests digests, Function<String, Optional<ModelSpec>> models,
            io.github.bucket4j.TimeMeter rateClock) {
        this.settings = settings;
        this.nodeId = settings.nodeId().isEmpty() ? hostName() : settings.nodeId();
        this.keys = keys;
        this.ledger = ledger;
        this.usage = usage;
        this.metrics = metrics;
        this.rateLimiter = new RateLimiter(rateClock);
        this.budgets = new BudgetBook(usage == null ? (key, user, since) -> 0L : usage::spentNanoUsd);
        this.cache = settings.cache().enabled() ? new ResponseCache(settings.cache()) : null;
        this.cachePolicy = new CachePolicy(settings.cache());
        this.guardrail = new Guardrail(settings.guardrails());
        this.sharedPrefixes = new SharedPrefixes(settings.sharedPrefixes());
        this.digests = digests;
        this.models = models;
    }

    /**
     * The gateway of a node with a data directory: keys and the ledger in
     * {@code <dataDir>/gateway.db}, counters on {@code registry}.
     */
    public static Gateway open(Path dataDir, GatewaySettings settings, PrometheusRegistry registry,
            ModelDigests digests, Function<String, Optional<ModelSpec>> models) {
        return open(dataDir, settings, registry, digests, models, io.github.bucket4j.TimeMeter.SYSTEM_NANOTIME);
    }

    /** As above, with rate-limit buckets refilled by {@code rateClock} (tests freeze it to assert exact figures). */
    public static Gateway open(Path dataDir, GatewaySettings settings, PrometheusRegistry registry,
            ModelDigests digests, Function<String, Optional<ModelSpec>> models, io.github.bucket4j.TimeMeter rateClock) {
        GatewayDatabase db = GatewayDatabase.open(dataDir);
        GatewayMetrics metrics = registry == null ? null : new GatewayMetrics(registry);
        KeyRing keys = new KeyRing(db, new KeyStore(db));
        UsageLedger ledger = new UsageLedger(db, settings.ledger(), metrics, java.time.InstantSource.system());
        UsageQuery usage = new UsageQuery(db);
        return new Gateway(settings, keys, ledger, usage, metrics, digests, models, rateClock);
    }

    /** A keyless gateway without a database (no ledger): nodes started without one, tests. */
    public static Gateway keyless(GatewaySettings settings, ModelDigests digests,
            Function<String, Optional<ModelSpec>> models) {
        return new Gateway(settings, null, null, null, null, digests, models,
                io.github.bucket4j.TimeMeter.SYSTEM_NANOTIME);
    }

    public String nodeId() {
        return nodeId;
    }

    /** Whether the operator allowed a keyless node on a non-loopback address. */
    public boolean allowsKeylessRemote() {
        return settings.allowKeylessRemote();
    }

    public AccessLog accessLog() {
        return accessLog;
    }

    /** Whether requests need a key: once any unrevoked key exists. */
    public boolean requiresKeys() {
        return keys != null && keys.anyKeys();
    }

    /**
     * The authenticate stage (the event loop: an in-memory lookup and a hash): who sends a request
     * for {@code group} with this {@code Authorization} header value.
     *
     * @throws ApiException 401 (no, malformed, unknown or revoked key), 403 (the key's groups)
     */
    public Principal authenticate(String authorization, EndpointGroup group) {
        if (keys == null) {
            return Principal.KEYLESS;
        }
        KeyRing.Authentication a = keys.authenticate(authorization); // one data_version check per request
        if (!keys.anyKeysAsChecked()) {
            return Principal.KEYLESS; // keyless: only on loopback, or where the operator allowed it
        }
        if (!a.ok()) {
            throw new ApiException(switch (a.failure()) {
                case MISSING -> ApiError.unauthorized(null, "You didn't provide an API key. Send it in an"
                        + " Authorization header: `Authorization: Bearer YOUR_KEY`.");
                case REVOKED -> ApiError.unauthorized("invalid_api_key", "This API key has been revoked.");
                default -> ApiError.unauthorized("invalid_api_key", "Incorrect API key provided.");
            });
        }
        ApiKey key = a.key();
        if (!key.scopes().allows(group)) {
            throw new ApiException(ApiError.forbidden(group == EndpointGroup.ADMIN
                    ? "This endpoint needs an admin key." : "This API key may not use the " + group.wireName()
                    + " endpoints."));
        }
        return new Principal(key);
    }

    /**
     * Who a request made on behalf of key {@code keyId} is, now (a scheduled run acts for the key
     * that created its schedule): keyless when the node has no keys or {@code keyId} is null on a
     * keyless node.
     *
     * @throws ApiException 401 when the key is unknown or has been revoked since, or when the node
     *     has keys and {@code keyId} is null (made while it was keyless)
     */
    public Principal principalOf(String keyId) {
        if (keys == null || !keys.anyKeys()) {
            return Principal.KEYLESS;
        }
        if (keyId == null) {
            throw new ApiException(ApiError.unauthorized("invalid_api_key", "This was created without an API key,"
                    + " and the node now requires one."));
        }
        ApiKey key = keys.key(keyId).orElse(null);
        if (key == null || key.revoked()) {
            throw new ApiException(ApiError.unauthorized("invalid_api_key", "The API key that created this has been"
                    + " revoked."));
        }
        return new Principal(key);
    }

    /** A new request's admission (not yet admitted: call {@link Admission#admit}). */
    public Admission admission(Principal principal, Admission.Request request) {
        return new Admission(this, principal, request);
    }

    public ResponseCache cache() {
        return cache;
    }

    public CachePolicy cachePolicy() {
        return cachePolicy;
    }

    public SharedPrefixes sharedPrefixes() {
        return sharedPrefixes;
    }

    public Guardrail guardrail() {
        return guardrail;
    }

    /** The model file's SHA-256 (part of a cache key), or empty while it is still being computed. */
    public Optional<String> modelDigest(ModelSpec spec) {
        return spec.sha256().map(s -> s.toLowerCase(java.util.Locale.ROOT)).or(() -> digests.digestIfReady(spec.path()));
    }

    /** The keys (null on a node without a gateway database). */
    public KeyRing keys() {
        return keys;
    }

    /** The ledger's read side (null without a gateway database). */
    public UsageQuery usage() {
        return usage;
    }

    /** Writes everything the ledger holds and stops it. */
    @Override
    public void close() {
        if (ledger != null) {
            ledger.close();
        }
        if (usage != null) {
            usage.close();
        }
        if (keys != null) {
            keys.close();
        }
    }

    /** Waits until every row recorded so far is written (tests, the admin view). */
    public void flushLedger() {
        if (ledger != null) {
            ledger.flush();
        }
    }

    // For Admission.

    RateLimiter rateLimiter() {
        return rateLimiter;
    }

    BudgetBook budgets() {
        return budgets;
    }

    StreamSlots streams() {
        return streams;
    }

    /** Whether replies are checked as they stream (deny patterns are configured). */
    boolean replyGuarded() {
        return !settings.guardrails().deny().isEmpty();
    }

    ModelPrice price(String modelId) {
        return settings.price(modelId);
    }

    boolean aliasAllowed(KeyScopes scopes, String requested) {
        if (requested.equals("auto")) {
            return true; // its candidates are checked one by one
        }
        return models.apply(requested).map(spec -> scopes.models().stream().anyMatch(spec::answersTo)).orElse(true);
    }

    /** What a request of this size may cost in compute: twice the model's recent rate (or a start value). */
    long computeEstimateNanos(String modelId, int promptTokens, int maxTokens) {
        double rate = nanosPerToken.getOrDefault(modelId, INITIAL_NANOS_PER_TOKEN);
        return (long) Math.min(Long.MAX_VALUE / 4.0, 2 * rate * ((long) promptTokens + maxTokens));
    }

    void observeCompute(String modelId, int tokens, long computeNanos) {
        if (tokens <= 0 || computeNanos <= 0) {
            return;
        }
        double sample = computeNanos / (double) tokens;
        nanosPerToken.merge(modelId, sample, (old, s) -> old * 0.8 + s * 0.2);
    }

    void record(UsageRecord row) {
        if (ledger != null) {
            ledger.record(row); // counts it in the metrics too
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "edgenode";
        }
    }
}
