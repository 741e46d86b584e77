package io.edgenode.core.engine;

import io.edgenode.core.llama.SamplingParams;
import java.util.List;
import java.util.Objects;

/**
 * One generation to run: prompt tokens (already rendered and tokenized), limits, sampling, and
 * who asks. {@code tenant} is the fairness key (API key or user); higher {@code priority} goes
 * first within a tenant.
 *
 * <p>KV hibernation (sessions): {@code restoreKv}, when not null, is a snapshot whose tokens may be
 * a prefix of the prompt; the engine restores it into a free slot when no resident slot already
 * holds a longer prefix, and prefills only the rest (a snapshot llama.cpp refuses is ignored: the
 * prompt is prefilled normally). {@link Engine#submit} takes ownership of it and closes it (see
 * {@link KvState}). {@code captureKv} asks for the sequence's KV state in the result when it ends
 * normally ({@link GenerationResult#kv()}).
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
        boolean captureKv) {

    public GenerationRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(promptTokens, "promptTokens");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(listener, "listener");
        stop = stop == null ? List.of() : List.copyOf(stop);
        tenant = tenant == null ? "" : tenant;
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
                captureKv);
    }

    public GenerationRequest withStop(List<String> s) {
        return new GenerationRequest(id, promptTokens, maxTokens, sampling, s, ignoreEos, tenant, priority, listener,
                restoreKv, captureKv);
    }

    public GenerationRequest withIgnoreEos(boolean ignore) {
        return new GenerationRequest(id, promptTokens, maxTokens, sampling, stop, ignore, tenant, priority, listener,
                restoreKv, captureKv);
    }

    /** The same request with KV hibernation: restore {@code restore} (may be null), capture the KV at the end. */
    public GenerationRequest withKv(KvState restore, boolean capture) {
        return new GenerationRequest(id, promptTokens, maxTokens, sampling, stop, ignoreEos, tenant, priority, listener,
                restore, capture);
    }
}
