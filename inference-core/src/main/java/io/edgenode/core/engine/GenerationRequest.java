package io.edgenode.core.engine;

import io.edgenode.core.llama.SamplingParams;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One generation to run: prompt tokens (already rendered and tokenized), limits, sampling, and
 * who asks. {@code tenant} is the fairness key (API key or user); higher {@code priority} goes
 * first within a tenant.
 *
 * <p>Cache isolation: {@code cacheScope} says whose cached KV this request may reuse. A prefix
 * cached by a request of another scope is reused only up to {@code sharedPrefixTokens}, the part of
 * this prompt an operator marked shared (a common system prompt); otherwise its time to first token
 * would tell one tenant whether another sent the same prompt (vLLM's {@code cache_salt} issue,
 * CVE-2025-46570). The empty scope (keyless nodes) shares with itself.
 *
 * <p>KV hibernation (sessions): {@code restoreKv}, when not null, is a snapshot whose tokens may be
 * a prefix of the prompt; the engine restores it into a free slot when no resident slot already
 * holds a longer prefix, and prefills only the rest (a snapshot llama.cpp refuses is ignored: the
 * prompt is prefilled normally). {@link Engine#submit} takes ownership of it and closes it (see
 * {@link KvState}). {@code captureKv} asks for the sequence's KV state in the result when it ends
 * normally ({@link GenerationResult#kv()}).
 *
 * <p>Output control: {@code constraint}, when not null, is a grammar the output must follow (see
 * {@link Constraint}; {@link Engine#submit} parses it and refuses a bad one). {@code logitBias}
 * adds a bias to token logits before sampling, OpenAI's {@code logit_bias} (-100..100: -100
 * effectively bans a token, +100 effectively forces it). {@code topLogprobs} asks for
 * {@link GenerationListener#onLogprobs}: -1 for none, 0..{@value #MAX_TOP_LOGPROBS} for the sampled
 * token's logprob plus that many alternatives.
 */
public record GenerationRequest(
        String id,
        int[] promptTokens,
        int maxTokens,
        SamplingParams sampling,
        List<String> stop,
        boolean ignoreEos,
        String tenant,
        int priority,
        GenerationListener listener,
        KvState restoreKv,
        boolean captureKv,
        Constraint constraint,
        Map<Integer, Float> logitBias,
        int topLogprobs,
        String cacheScope,
        int sharedPrefixTokens) {

    /** OpenAI's limit on {@code top_logprobs}. */
    public static final int MAX_TOP_LOGPROBS = 20;
    /** OpenAI's range of a logit bias. */
    public static final float MAX_LOGIT_BIAS = 100f;

    public GenerationRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(promptTokens, "promptTokens");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(listener, "listener");
        stop = stop == null ? List.of() : List.copyOf(stop);
        tenant = tenant == null ? "" : tenant;
        cacheScope = cacheScope == null ? "" : cacheScope;
        if (sharedPrefixTokens < 0) {
            throw new IllegalArgumentException("shared prefix tokens must be >= 0, got " + sharedPrefixTokens);
        }
        if (promptTokens.length == 0) {
            throw new IllegalArgumentException("empty prompt");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max tokens must be >= 1, got " + maxTokens);
        }
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("empty stop string");
            }
        }
        promptTokens = promptTokens.clone();
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
        for (Map.Entry<Integer, Float> e : logitBias.entrySet()) {
            float b = e.getValue();
            if (e.getKey() < 0 || !(b >= -MAX_LOGIT_BIAS && b <= MAX_LOGIT_BIAS)) {
                throw new IllegalArgumentException("logit bias " + e.getKey() + " -> " + b
                        + ": token ids are >= 0 and biases within [-100, 100]");
            }
        }
        if (topLogprobs < -1 || topLogprobs > MAX_TOP_LOGPROBS) {
            throw new IllegalArgumentException("top logprobs must be -1 (none) or 0.." + MAX_TOP_LOGPROBS
                    + ", got " + topLogprobs);
        }
    }

    /** A request without output control (no constraint, bias or logprobs). */
    public GenerationRequest(String id, int[] promptTokens, int maxTokens, SamplingParams sampling, List<String> stop,
            boolean ignoreEos, String tenant, int priority, GenerationListener listener, KvState restoreKv,
            boolean captureKv) {
        this(id, promptTokens, maxTokens, sampling, stop, ignoreEos, tenant, priority, listener, restoreKv, captureKv,
                null, Map.of(), -1, "", 0);
    }

    /** A request without KV hibernation. */
    public GenerationRequest(String id, int[] promptTokens, int maxTokens, SamplingParams sampling, List<String> stop,
            boolean ignoreEos, String tenant, int priority, GenerationListener listener) {
        this(id, promptTokens, maxTokens, sampling, stop, ignoreEos, tenant, priority, listener, null, false);
    }

    /** A greedy request of the default tenant, for tests and benchmarks. */
    public static GenerationRequest greedy(String id, int[] prompt, int maxTokens, GenerationListener listener) {
        return new GenerationRequest(id, prompt, maxTokens, SamplingParams.greedy(), List.of(), false, "", 0,
                listener);
    }

    public GenerationRequest withTenant(String t, int p) {
        return new GenerationRequest(id, promptTokens, maxTokens, sampling, stop, ignoreEos, t, p, listener, restoreKv,
                captureKv, constraint, logitBias, topLogprobs, cacheScope, sharedPrefixTokens);
    }

    public GenerationRequest withStop(List<String> s) {
        return new GenerationRequest(id, promptTokens, maxTokens, sampling, s, ignoreEos, tenant, priority, listener,
                restoreKv, captureKv, constraint, logitBias, topLogprobs, cacheScope, sharedPrefixTokens);
    }

    public GenerationRequest withIgnoreEos(boolean ignore) {
        return new GenerationRequest(id, promptTokens, maxTokens, sampling, stop, ignore, tenant, priority, listener,
                restoreKv, captureKv, constraint, logitBias, topLogprobs, cacheScope, sharedPrefixTokens);
    }

    /** The same request with KV hibernation: restore {@code restore} (may be null), capture the KV at the end. */
    public GenerationRequest withKv(KvState restore, boolean capture) {
        return new GenerationRequest(id, promptTokens, maxTokens, sampling, stop, ignoreEos, tenant, priority, listener,
                restore, capture, constraint, logitBias, topLogprobs, cacheScope, sharedPrefixTokens);
    }

    /** The same request under {@code c} (null: unconstrained). */
    public GenerationRequest withConstraint(Constraint c) {
        return new GenerationRequest(id, promptTokens, maxTokens, sampling, stop, ignoreEos, tenant, priority, listener,
                restoreKv, captureKv, c, logitBias, topLogprobs, cacheScope, sharedPrefixTokens);
    }

    /** The same request with logit biases (token id -> bias in [-100, 100]; null or empty: none). */
    public GenerationRequest withLogitBias(Map<Integer, Float> bias) {
        return new GenerationRequest(id, promptTokens, maxTokens, sampling, stop, ignoreEos, tenant, priority, listener,
                restoreKv, captureKv, constraint, bias, topLogprobs, cacheScope, sharedPrefixTokens);
    }

    /** The same request with logprobs: -1 none, else the sampled token's plus {@code n} alternatives. */
    public GenerationRequest withTopLogprobs(int n) {
        return new GenerationRequest(id, promptTokens, maxTokens, sampling, stop, ignoreEos, tenant, priority, listener,
                restoreKv, captureKv, constraint, logitBias, n, cacheScope, sharedPrefixTokens);
    }

    /** The same request with a cache scope (null: the shared one) and its operator-shared prefix length. */
    public GenerationRequest withCacheScope(String scope, int sharedPrefix) {
        return new GenerationRequest(id, promptTokens, maxTokens, sampling, stop, ignoreEos, tenant, priority, listener,
                restoreKv, captureKv, constraint, logitBias, topLogprobs, scope, sharedPrefix);
    }
}
