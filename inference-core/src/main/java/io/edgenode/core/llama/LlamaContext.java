package io.edgenode.core.llama;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A llama.cpp inference context: KV cache, compute buffers, logits. Confined to one thread at a
 * time: llama.cpp contexts are not thread-safe, so the engine's decode loop is the only caller
 * (DESIGN: one decode thread per model context). Nothing here locks.
 */
public final class LlamaContext implements AutoCloseable {
    /** {@code llama_state_seq_flags}: none. */
    private static final int STATE_SEQ_FLAGS_NONE = 0;

    private final LlamaModel model;
    private final ContextParams params;
    private final int nCtx;
    private final int nBatch;
    private final int nUbatch;
    private final int nSeqMax;
    private final int vocabSize;
    private MemorySegment handle;
    private MemorySegment memory;
    private final CpuThreadPool threadPool;
    /** The batch of the last successful decode and its generation: which rows have logits now. */
    private Batch lastDecoded;
    private int lastDecodedGeneration;

    private LlamaContext(LlamaModel model, ContextParams params, MemorySegment handle, CpuThreadPool threadPool) {
        this.model = model;
        this.params = params;
        this.handle = handle;
        this.threadPool = threadPool;
        try {
            this.memory = (MemorySegment) LlamaNative.llama_get_memory.invokeExact(handle);
            this.nCtx = (int) LlamaNative.llama_n_ctx.invokeExact(handle);
            this.nBatch = (int) LlamaNative.llama_n_batch.invokeExact(handle);
            this.nUbatch = (int) LlamaNative.llama_n_ubatch.invokeExact(handle);
            this.nSeqMax = (int) LlamaNative.llama_n_seq_max.invokeExact(handle);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
        this.vocabSize = model.vocab().size();
    }

    /** @throws ModelLoadException llama.cpp could not create the context (e.g. out of memory) */
    public static LlamaContext create(LlamaModel model, ContextParams params) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(params, "params");
        try (Arena arena = Arena.ofConfined()) {
            LlamaLog.takeLastError();
            MemorySegment h = (MemorySegment) LlamaNative.llama_init_from_model.invokeExact(
                    model.handle(), params.toNative(arena));
            if (h.equals(MemorySegment.NULL)) {
                String why = LlamaLog.takeLastError();
                throw new ModelLoadException("llama.cpp could not create a context for " + model.path() + " with "
                        + params + (why.isEmpty() ? "" : ": " + why));
            }
            CpuThreadPool pool;
            try {
                pool = CpuThreadPool.create(Math.max(params.threads(), params.threadsBatch()), params.threadPoll());
                if (pool != null) {
                    pool.attachTo(h);
                }
            } catch (RuntimeException e) {
                LlamaNative.llama_free.invokeExact(h);
                throw e;
            }
            return new LlamaContext(model, params, h, pool);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** For {@link SamplerChain}: the live {@code llama_context *}. */
    MemorySegment nativeHandle() {
        return ctx();
    }

    private MemorySegment ctx() {
        MemorySegment h = handle;
        if (h == null) {
            throw new IllegalStateException("context is closed");
        }
        return h;
    }

    public LlamaModel model() {
        return model;
    }

    public ContextParams params() {
        return params;
    }

    /** KV cells actually allocated (llama.cpp may round the requested size). */
    public int contextSize() {
        return nCtx;
    }

    public int batchSize() {
        return nBatch;
    }

    public int maxSequences() {
        return nSeqMax;
    }

    /** Tokens of one micro-batch: a pooled-embeddings decode must fit in one. */
    public int microBatchSize() {
        return nUbatch;
    }

    /**
     * The pooling llama.cpp settled on (the requested one, or the model's own when unspecified);
     * {@link PoolingType#NONE} for a context without embeddings.
     */
    public PoolingType poolingType() {
        if (!params.embeddings()) {
            return PoolingType.NONE;
        }
        try {
            return PoolingType.ofId((int) LlamaNative.llama_pooling_type.invokeExact(ctx()));
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /**
     * The pooled embedding of {@code seqId} from the last decode, valid until the next decode.
     * Length: {@link LlamaModel#embeddingOutputLength()}.
     *
     * @throws IllegalArgumentException no successful decode since the last failure, the context has
     *     no pooled embeddings, or the sequence had no tokens in that decode (llama.cpp answers
     *     NULL for those, which must never be read)
     */
    public MemorySegment sequenceEmbedding(int seqId) {
        checkSeq(seqId);
        if (!params.embeddings()) {
            throw new IllegalStateException("context was created without embeddings");
        }
        if (lastDecoded == null) {
            throw new IllegalArgumentException("no successful decode to read embeddings of");
        }
        try {
            MemorySegment p = (MemorySegment) LlamaNative.llama_get_embeddings_seq.invokeExact(ctx(), seqId);
            if (p.equals(MemorySegment.NULL)) {
                throw new IllegalArgumentException("sequence " + seqId + " has no pooled embedding in the last decode"
                        + " (pooling " + poolingType() + ")");
            }
            return p.reinterpret((long) model.embeddingOutputLength() * JAVA_FLOAT.byteSize());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /**
     * Runs one forward pass over {@code batch}. Checks what llama.cpp would otherwise abort the
     * process on (an empty batch or one larger than {@code n_batch}, sequence ids out of range).
     *
     * @throws DecodeException non-zero return; {@link DecodeException#isKvCacheFull()} when no KV
     *     slot was found (the context stays usable)
     */
    public void decode(Batch batch) {
        int n = batch.size();
        if (n == 0) {
            throw new IllegalArgumentException("empty batch");
        }
        if (n > nBatch) {
            throw new IllegalArgumentException("batch of " + n + " tokens exceeds n_batch " + nBatch);
        }
        if (params.embeddings() && n > nUbatch) {
            // Pooling (and non-causal attention) needs all tokens in one micro-batch: llama.cpp asserts it.
            throw new IllegalArgumentException("embeddings batch of " + n + " tokens exceeds n_ubatch " + nUbatch);
        }
        for (int i = 0; i < n; i++) {
            int seq = batch.seqId(i);
            if (seq < 0 || seq >= nSeqMax) {
                throw new IllegalArgumentException("seq_id " + seq + " outside [0, " + nSeqMax + ")");
            }
        }
        int rc;
        lastDecoded = null;
        LlamaLog.takeLastError(); // so that a failure reports its own cause
        try {
            rc = (int) LlamaNative.llama_decode.invokeExact(ctx(), batch.prepareForDecode());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
        if (rc != 0) {
            String why = LlamaLog.takeLastError();
            throw new DecodeException(rc, switch (rc) {
                case 1 -> "no KV cache slot for a batch of " + n + " tokens (context of " + nCtx + " cells is full)";
                case 2 -> "decode aborted";
                default -> "llama_decode failed with " + rc + (why.isEmpty() ? "" : ": " + why);
            });
        }
        lastDecoded = batch;
        lastDecodedGeneration = batch.generation();
    }

    /**
     * Whether batch row {@code i} of the last decode has logits. Sampling a row without them
     * would make llama.cpp dereference a null pointer, so {@link SamplerChain} asks first.
     */
    public boolean hasLogits(int i) {
        Batch b = lastDecoded;
        return b != null && b.generation() == lastDecodedGeneration && b.wantsLogits(i);
    }

    /**
     * The logits row of batch position {@code i} (which must have asked for logits), valid until
     * the next decode. Length: the vocabulary size.
     */
    public MemorySegment logits(int i) {
        if (!hasLogits(i)) {
            throw new IllegalArgumentException("batch row " + i + " of the last decode has no logits");
        }
        try {
            MemorySegment p = (MemorySegment) LlamaNative.llama_get_logits_ith.invokeExact(ctx(), i);
            if (p.equals(MemorySegment.NULL)) {
                throw new IllegalArgumentException("no logits for batch index " + i);
            }
            return p.reinterpret((long) vocabSize * JAVA_FLOAT.byteSize());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    // --- KV memory, per sequence (llama_memory_*) ---

    /** Drops every cell of every sequence. */
    public void clearMemory() {
        try {
            LlamaNative.llama_memory_clear.invokeExact(memory(), true);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /**
     * Removes positions {@code [p0, p1)} of {@code seqId} ({@code p0 < 0}: from 0, {@code p1 < 0}:
     * to the end; {@code seqId < 0}: every sequence). Returns false when the cache cannot remove a
     * partial range (never for the standard KV cache).
     */
    public boolean removeSequence(int seqId, int p0, int p1) {
        try {
            return (boolean) LlamaNative.llama_memory_seq_rm.invokeExact(memory(), seqId, p0, p1);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** Makes positions {@code [p0, p1)} of {@code src} also belong to {@code dst}, sharing the cells. */
    public void copySequence(int src, int dst, int p0, int p1) {
        checkSeq(src);
        checkSeq(dst);
        try {
            LlamaNative.llama_memory_seq_cp.invokeExact(memory(), src, dst, p0, p1);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** Removes every sequence but {@code seqId}. */
    public void keepOnlySequence(int seqId) {
        checkSeq(seqId);
        try {
            LlamaNative.llama_memory_seq_keep.invokeExact(memory(), seqId);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** Smallest position of {@code seqId} in the cache, or -1 when it has none. */
    public int sequenceMinPosition(int seqId) {
        checkSeq(seqId);
        try {
            return (int) LlamaNative.llama_memory_seq_pos_min.invokeExact(memory(), seqId);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** Largest position of {@code seqId} in the cache, or -1 when it has none. */
    public int sequenceMaxPosition(int seqId) {
        checkSeq(seqId);
        try {
            return (int) LlamaNative.llama_memory_seq_pos_max.invokeExact(memory(), seqId);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    // --- per-sequence state (KV snapshot) ---

    /** Bytes needed to snapshot {@code seqId}'s KV state. */
    public long sequenceStateSize(int seqId) {
        checkSeq(seqId);
        try {
            return (long) LlamaNative.llama_state_seq_get_size_ext.invokeExact(ctx(), seqId, STATE_SEQ_FLAGS_NONE);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** Copies {@code seqId}'s KV state into {@code dst}; returns the bytes written (0 on failure). */
    public long saveSequenceState(int seqId, MemorySegment dst) {
        checkSeq(seqId);
        try {
            return (long) LlamaNative.llama_state_seq_get_data_ext.invokeExact(
                    ctx(), dst, dst.byteSize(), seqId, STATE_SEQ_FLAGS_NONE);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /**
     * Restores a snapshot into {@code seqId}; returns the bytes read, 0 when llama.cpp rejects it
     * (another model or shape, truncated data). The sequence should be empty before.
     */
    public long restoreSequenceState(int seqId, MemorySegment src) {
        checkSeq(seqId);
        try {
            return (long) LlamaNative.llama_state_seq_set_data_ext.invokeExact(
                    ctx(), src, src.byteSize(), seqId, STATE_SEQ_FLAGS_NONE);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    private MemorySegment memory() {
        ctx();
        return memory;
    }

    private void checkSeq(int seqId) {
        if (seqId < 0 || seqId >= nSeqMax) {
            throw new IllegalArgumentException("seq_id " + seqId + " outside [0, " + nSeqMax + ")");
        }
    }

    /** Frees the context. A second close is harmless; any later use throws {@link IllegalStateException}. */
    @Override
    public void close() {
        MemorySegment h = handle;
        if (h == null) {
            return;
        }
        handle = null;
        memory = null;
        try {
            if (threadPool != null) {
                LlamaNative.llama_detach_threadpool.invokeExact(h);
            }
            LlamaNative.llama_free.invokeExact(h);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        } finally {
            if (threadPool != null) {
                threadPool.close();
            }
        }
    }
}
