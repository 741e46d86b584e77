package io.edgenode.server.gateway;

import io.edgenode.core.engine.Usage;
import io.edgenode.server.config.ModelPrice;
import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request's passage through the gateway, from admission to its ledger row: what it was let
 * in with (a request token, a stream slot), what it reserved for the candidate model that runs it
 * (tokens and budget for its exact prompt plus its completion cap), and how that is settled when
 * it ends (refund of unused tokens, the real cost, one ledger row). Created and admitted on the
 * request's virtual thread; {@link #complete} runs on the engine's decode thread. Exactly one of
 * {@link #complete} or {@link #refuse} takes effect (the first), so nothing is settled twice.
 */
public final class Admission {
    /**
     * What the gateway knows of a request before any model is chosen.
     *
     * @param metadataHeader the raw {@code x-edgenode-metadata} header, or null
     */
    public record Request(String requestId, String endpoint, String requestedModel, String user, String sessionId,
            String metadataHeader, long startedAtMillis) {}

    private final Gateway gateway;
    private final Principal principal;
    private final Request request;
    private final Map<String, String> metadata;
    private final Set<String> flags = java.util.Collections.synchronizedSet(new TreeSet<>());
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Map<String, String> headers = Map.of();
    // Request thread until complete/refuse (the engine's submit orders them).
    private boolean streamHeld;
    private RateLimiter.RequestPermit permit;
    private RateLimiter.TokenReservation tokens;
    private BudgetBook.BudgetHold hold;
    private ModelPrice price = ModelPrice.FREE;

    Admission(Gateway gateway, Principal principal, Request request) {
        this.gateway = gateway;
        this.principal = principal;
        this.request = request;
        this.metadata = MetadataHeader.parse(request.metadataHeader());
    }

    public Principal principal() {
        return principal;
    }

    /** The fairness tenant: the key, or on a keyless node the plan's own (the {@code user} field). */
    public String tenant(String planTenant) {
        return principal.keyless() ? planTenant : principal.key().id();
    }

    /**
     * The admit stage: scopes (the requested model, the session), prompt guardrails, the request
     * rate, the key's concurrent streams. On refusal the refusal is recorded and thrown.
     *
     * @throws ApiException 403, 400 {@code prompt_blocked}, or 429 {@code rate_limit_exceeded}
     */
    public void admit(String promptText) {
        KeyScopes scopes = principal.scopes();
        if (request.requestedModel() != null && !principal.keyless() && !scopes.allowsModel(request.requestedModel())
                && !gateway.aliasAllowed(scopes, request.requestedModel())) {
            throw refused(ApiError.forbidden("This API key may not use the model `" + request.requestedModel() + "`."));
        }
        if (request.sessionId() != null) {
            if (!scopes.allows(EndpointGroup.SESSIONS)) {
                throw refused(ApiError.forbidden("This API key may not use sessions."));
            }
            if (!scopes.allowsSession(request.sessionId())) {
                throw refused(ApiError.forbidden("This API key may only use sessions whose id starts with `"
                        + scopes.sessionPrefix() + "`."));
            }
        }
        Verdict v = gateway.guardrail().checkPrompt(promptText == null ? "" : promptText);
        if (v.blocks()) {
            throw refused(ApiError.promptBlocked(v.ruleId()));
        }
        flag(v);
        if (principal.keyless()) {
            return;
        }
        KeyLimits limits = principal.limits();
        if (limits.limitsRate()) {
            RateLimiter.RequestPermit p = gateway.rateLimiter().admitRequest(principal.key(), request.user());
            headers = RateLimitHeaders.of(p.status(), p.granted() ? 0 : Math.max(1, p.retryAfterNanos()));
            if (!p.granted()) {
                throw refused(ApiError.rateLimited("Rate limit reached for requests on key " + principal.key().id()
                        + ": " + limits.requestsPerMinute() + " per minute. Try again in "
                        + RateLimitHeaders.duration(p.retryAfterNanos()) + "."));
            }
            permit = p;
        }
        int max = scopes.maxConcurrentStreams();
        if (!gateway.streams().tryAcquire(principal.key().id(), max)) {
            throw refused(ApiError.rateLimited("This API key already has " + max
                    + " generations running, its limit of concurrent streams."));
        }
        streamHeld = true;
    }

    /** Whether the key may be served {@code spec} (its id or one of its aliases is among the key's models). */
    public boolean allows(ModelSpec spec) {
        KeyScopes scopes = principal.scopes();
        return scopes.models().isEmpty() || scopes.models().stream().anyMatch(spec::answersTo);
    }

    /**
     * The reserve stage, for the candidate that will run: {@code promptTokens + maxTokens} from
     * the token bucket, the request's maximum cost from the budget. Replaces an earlier
     * candidate's reservation.
     *
     * @throws ApiException 429 {@code rate_limit_exceeded} or {@code insufficient_quota}
     */
    public void reserve(ModelSpec spec, int promptTokens, int maxTokens) {
        unreserve();
        price = gateway.price(spec.id());
        if (principal.keyless()) {
            return;
        }
        KeyLimits limits = principal.limits();
        long want = (long) promptTokens + maxTokens;
        if (limits.tokensPerMinute() > 0 && permit != null) {
            RateLimiter.TokenReservation r = gateway.rateLimiter().reserveTokens(permit, want);
            headers = RateLimitHeaders.of(r.status(), r.granted() || r.retryAfterNanos() == 0 ? 0
                    : r.retryAfterNanos());
            if (!r.granted()) {
                throw new ApiException(ApiError.rateLimited(r.refusal()));
            }
            tokens = r;
        }
        if (limits.budget().isLimited()) {
            long maxCost = price.costNanoUsd(promptTokens, 0, maxTokens,
                    gateway.computeEstimateNanos(spec.id(), promptTokens, maxTokens));
            BudgetBook.BudgetHold h = gateway.budgets().reserve(principal.key(), request.user(), maxCost,
                    java.time.Instant.now());
            if (!h.granted()) {
                throw new ApiException(ApiError.insufficientQuota(h.refusal()));
            }
            hold = h;
        }
    }

    /** Gives back what {@link #reserve} took (the candidate did not run). */
    public void unreserve() {
        if (tokens != null) {
            gateway.rateLimiter().settle(tokens, 0);
            tokens = null;
        }
        if (hold != null) {
            gateway.budgets().settle(hold, 0);
            hold = null;
        }
    }

    /** Rate-limit headers of the latest admission or reservation (empty keyless or unlimited). */
    public Map<String, String> headers() {
        return headers;
    }

    /** Records the rules of a guardrail verdict that flagged (not blocked) this request. */
    public void flag(Verdict v) {
        if (v.kind() == Verdict.Kind.FLAG) {
            flags.addAll(v.ruleIds());
        }
    }

    /** The flagged rules, comma-separated, or null. */
    public String flags() {
        synchronized (flags) {
            return flags.isEmpty() ? null : String.join(",", flags);
        }
    }

    /** A reply guard for this request's generation, or null without reply guardrails. */
    public StreamGuard streamGuard() {
        return gateway.replyGuarded() ? gateway.guardrail().newStreamGuard() : null;
    }

    /** The cache status a request that got no cache entry reports: BYPASS when the cache is on, else none. */
    public String cacheStatusWithoutEntry() {
        return gateway.cache() == null ? null : "BYPASS";
    }

    /** The record stage (any thread, once): settle reservations with the real usage, write the ledger row. */
    public void complete(Outcome o) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        Usage u = o.usage();
        boolean hit = o.cacheHit();
        int prompt = u == null ? 0 : u.promptTokens();
        int cached = u == null ? 0 : u.cachedPromptTokens();
        int completion = u == null ? 0 : u.completionTokens();
        long compute = u == null || hit ? 0 : u.computeNanos();
        long cost = hit ? 0 : price.costNanoUsd(prompt, cached, completion, compute);
        if (tokens != null) {
            gateway.rateLimiter().settle(tokens, hit ? 0 : (long) prompt + completion);
        }
        if (hold != null) {
            gateway.budgets().settle(hold, cost);
        }
        releaseStream();
        if (!hit && u != null) {
            gateway.observeCompute(o.servedModel(), prompt + completion, compute);
        }
        gateway.record(new UsageRecord(request.requestId(), principal.keyId(), request.user(), request.sessionId(),
                request.endpoint(), request.requestedModel(), o.servedModel(), o.fallbackIndex(), o.status(),
                o.errorType(), request.startedAtMillis(), o.firstTokenAtMillis(), System.currentTimeMillis(), prompt,
                hit ? 0 : cached, completion, compute, cost, o.cacheStatus(), flags(), metadata));
    }

    /** The request ends without a generation (refused, failed, or the client left): release all, record it. */
    public void refuse(ApiError error) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        unreserve();
        releaseStream();
        gateway.record(new UsageRecord(request.requestId(), principal.keyId(), request.user(), request.sessionId(),
                request.endpoint(), request.requestedModel(), null, -1, error.status(),
                error.code() != null ? error.code() : error.type(), request.startedAtMillis(), 0,
                System.currentTimeMillis(), 0, 0, 0, 0, 0, null, flags(), metadata));
    }

    private ApiException refused(ApiError e) {
        refuse(e);
        return new ApiException(e);
    }

    private void releaseStream() {
        if (streamHeld) {
            streamHeld = false;
            gateway.streams().release(principal.key().id());
        }
    }

    /** For tests: the metadata pairs this request carries. */
    Map<String, String> metadata() {
        return new LinkedHashMap<>(metadata);
    }
}
