package io.edgenode.core.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Objects;

/**
 * One request's llama.cpp sampler chain: logit bias, penalties, top-k, top-p, min-p, temperature,
 * then a seeded draw (or argmax when greedy). Confined to the context's owner thread. Samplers keep
 * per-request state (penalty history, RNG), so every sequence has its own chain.
 */
public final class SamplerChain implements AutoCloseable {
    private final SamplingParams params;
    /** Greedy without penalties needs no sampler state: argmax over the logits row in Java. */
    private final boolean plainGreedy;
    private MemorySegment chain;
    private boolean biased;

    private SamplerChain(SamplingParams params, MemorySegment chain, boolean javaGreedy) {
        this.params = params;
        this.chain = chain;
        this.plainGreedy = javaGreedy && params.isGreedy() && !params.hasPenalties();
    }

    /** Builds the chain for {@code params}; {@code vocab} sizes the penalty sampler. */
    public static SamplerChain create(Vocab vocab, SamplingParams params) {
        return create(vocab, params, Map.of(), true);
    }

    /**
     * Builds the chain with a logit bias first (OpenAI semantics: {@code bias} is added to the
     * token's logit before anything else; -100 effectively bans, +100 effectively forces).
     * Token ids must be in the vocabulary and biases finite.
     */
    public static SamplerChain create(Vocab vocab, SamplingParams params, Map<Integer, Float> logitBias) {
        return create(vocab, params, logitBias, true);
    }

    /** {@code javaGreedy = false} keeps llama.cpp's greedy sampler (tests compare the two). */
    static SamplerChain create(Vocab vocab, SamplingParams params, boolean javaGreedy) {
        return create(vocab, params, Map.of(), javaGreedy);
    }

    private static SamplerChain create(Vocab vocab, SamplingParams params, Map<Integer, Float> logitBias,
            boolean javaGreedy) {
        Objects.requireNonNull(vocab, "vocab");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(logitBias, "logitBias");
        for (Map.Entry<Integer, Float> e : logitBias.entrySet()) {
            if (e.getKey() < 0 || e.getKey() >= vocab.size() || !Float.isFinite(e.getValue())) {
                throw new IllegalArgumentException("logit bias " + e + " outside the vocabulary or not finite");
            }
        }
        try {
            MemorySegment chainParams = ChainParams.DEFAULTS;
            MemorySegment c = (MemorySegment) LlamaNative.llama_sampler_chain_init.invokeExact(chainParams);
            // The Java argmax reads raw logits: a bias has to go through llama.cpp's chain.
            SamplerChain result = new SamplerChain(params, c, javaGreedy && logitBias.isEmpty());
            result.biased = !logitBias.isEmpty();
            if (!logitBias.isEmpty()) {
                result.add(logitBiasSampler(vocab, logitBias));
            }
            if (params.hasPenalties()) {
                result.add((MemorySegment) LlamaNative.llama_sampler_init_penalties.invokeExact(vocab.size(),
                        params.penaltyLastN(), params.repeatPenalty(), params.frequencyPenalty(),
                        params.presencePenalty()));
            }
            if (params.isGreedy()) {
                result.add((MemorySegment) LlamaNative.llama_sampler_init_greedy.invokeExact());
                return result;
            }
            if (params.topK() > 0) {
                result.add((MemorySegment) LlamaNative.llama_sampler_init_top_k.invokeExact(params.topK()));
            }
            if (params.topP() < 1f) {
                result.add((MemorySegment) LlamaNative.llama_sampler_init_top_p.invokeExact(params.topP(), 1L));
            }
            if (params.minP() > 0f) {
                result.add((MemorySegment) LlamaNative.llama_sampler_init_min_p.invokeExact(params.minP(), 1L));
            }
            result.add((MemorySegment) LlamaNative.llama_sampler_init_temp.invokeExact(params.temperature()));
            result.add((MemorySegment) LlamaNative.llama_sampler_init_dist.invokeExact((int) params.seed()));
            return result;
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** llama.cpp copies the {@code llama_logit_bias} array: a call-scoped arena is enough. */
    private static MemorySegment logitBiasSampler(Vocab vocab, Map<Integer, Float> logitBias) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment biases = arena.allocate(LlamaStructs.LOGIT_BIAS, logitBias.size());
            long stride = LlamaStructs.LOGIT_BIAS.byteSize();
            long tokenAt = LlamaStructs.offset(LlamaStructs.LOGIT_BIAS, "token");
            long biasAt = LlamaStructs.offset(LlamaStructs.LOGIT_BIAS, "bias");
            int i = 0;
            for (Map.Entry<Integer, Float> e : logitBias.entrySet()) {
                biases.set(ValueLayout.JAVA_INT, i * stride + tokenAt, e.getKey());
                biases.set(ValueLayout.JAVA_FLOAT, i * stride + biasAt, e.getValue());
                i++;
            }
            return (MemorySegment) LlamaNative.llama_sampler_init_logit_bias.invokeExact(vocab.size(),
                    logitBias.size(), biases);
        }
    }

    /** The chain takes ownership of {@code sampler} (freed with the chain). */
    private void add(MemorySegment sampler) throws Throwable {
        LlamaNative.llama_sampler_chain_add.invokeExact(chain, sampler);
    }

    /**
     * Whether the chain changes logits before it truncates them (a logit bias or repetition
     * penalties): then which tokens are the top-k depends on the whole row, not on the raw logits.
     */
    public boolean changesLogits() {
        return biased || params.hasPenalties();
    }

    public SamplingParams params() {
        return params;
    }

    /**
     * Samples a token from the logits of batch position {@code batchIndex} of the last decode and
     * records it in the chain's history (penalties).
     */
    public int sample(LlamaContext context, int batchIndex) {
        if (!context.hasLogits(batchIndex)) {
            throw new IllegalArgumentException("batch row " + batchIndex + " of the last decode has no logits");
        }
        if (plainGreedy) {
            chain(); // closed chains fail the same way on both paths
            return argmax(context.logits(batchIndex));
        }
        try {
            return (int) LlamaNative.llama_sampler_sample.invokeExact(chain(), contextHandle(context), batchIndex);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /**
     * Index of the largest logit, the first one on ties (as llama.cpp's greedy sampler). Reading
     * the row in place skips llama_sampler_sample's copy of the whole vocabulary into a
     * token-data array (12 bytes per token), measured at about half of a greedy sample's cost.
     */
    static int argmax(MemorySegment logits) {
        int n = (int) (logits.byteSize() / Float.BYTES);
        int best = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = logits.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
            if (v > max) {
                max = v;
                best = i;
            }
        }
        return best;
    }

    /**
     * Runs the chain on {@code candidates} (already filled, maybe narrowed by a grammar) and
     * returns the token it selects, or -1 when it selected none. Unlike {@link #sample} this does
     * not record the token: call {@link #accept} once it is final, so a token a constraint refuses
     * afterwards never enters the penalty history.
     */
    public int apply(TokenDataArray candidates) {
        try {
            LlamaNative.llama_sampler_apply.invokeExact(chain(), candidates.struct());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
        return candidates.selectedToken();
    }

    /** Records a token that was not sampled here (e.g. prompt tokens, for repetition penalties). */
    public void accept(int token) {
        try {
            LlamaNative.llama_sampler_accept.invokeExact(chain(), token);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** Forgets history and reseeds, for reuse on a new request. */
    public void reset() {
        try {
            LlamaNative.llama_sampler_reset.invokeExact(chain());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    private MemorySegment chain() {
        MemorySegment c = chain;
        if (c == null) {
            throw new IllegalStateException("sampler chain is closed");
        }
        return c;
    }

    private static MemorySegment contextHandle(LlamaContext context) {
        return context.nativeHandle();
    }

    /** Frees the chain and its samplers. A second close is harmless. */
    @Override
    public void close() {
        MemorySegment c = chain;
        if (c == null) {
            return;
        }
        chain = null;
        try {
            LlamaNative.llama_sampler_free.invokeExact(c);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** {@code llama_sampler_chain_params} with {@code no_perf = true}, allocated once. */
    private static final class ChainParams {
        static final MemorySegment DEFAULTS;

        static {
            DEFAULTS = java.lang.foreign.Arena.global().allocate(LlamaStructs.SAMPLER_CHAIN_PARAMS);
            DEFAULTS.set(java.lang.foreign.ValueLayout.JAVA_BOOLEAN, 0, true);
        }
    }
}
