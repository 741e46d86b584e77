package io.edgenode.core.llama;

import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * How to create a context: KV cells ({@code nCtx}, shared by all sequences when
 * {@code kvUnified}), logical and physical batch sizes, parallel sequences, threads for
 * single-token decode and for batches, flash attention and the KV cache element type.
 * {@code threadPoll} is ggml's polling level for the context's CPU thread pool (0..100; 0: workers
 * sleep between graphs instead of spinning, see {@link CpuThreadPool}). {@code embeddings} makes
 * the context compute embeddings instead of logits, pooled per sequence by {@code poolingType}
 * ({@link PoolingType#UNSPECIFIED}: the model's own); generation contexts leave it off.
 */
public record ContextParams(
        int nCtx,
        int nBatch,
        int nUbatch,
        int nSeqMax,
        int threads,
        int threadsBatch,
        FlashAttention flashAttention,
        GgmlTypeId kvType,
        boolean kvUnified,
        int threadPoll,
        boolean embeddings,
        PoolingType poolingType) {

    /** {@code enum llama_flash_attn_type}. */
    public enum FlashAttention {
        AUTO(-1), DISABLED(0), ENABLED(1);

        final int id;

        FlashAttention(int id) {
            this.id = id;
        }
    }

    /** The KV cache element types llama.cpp accepts for K and V ({@code enum ggml_type} ids). */
    public enum GgmlTypeId {
        F32(0), F16(1), Q4_0(2), Q8_0(8), BF16(30);

        final int id;

        GgmlTypeId(int id) {
            this.id = id;
        }
    }

    private static final long N_CTX = off("n_ctx");
    private static final long N_BATCH = off("n_batch");
    private static final long N_UBATCH = off("n_ubatch");
    private static final long N_SEQ_MAX = off("n_seq_max");
    private static final long N_OUTPUTS_MAX_PER_SEQ = off("n_outputs_max_per_seq");
    private static final long N_THREADS = off("n_threads");
    private static final long N_THREADS_BATCH = off("n_threads_batch");
    private static final long FLASH_ATTN = off("flash_attn_type");
    private static final long TYPE_K = off("type_k");
    private static final long TYPE_V = off("type_v");
    private static final long NO_PERF = off("no_perf");
    private static final long KV_UNIFIED = off("kv_unified");
    private static final long EMBEDDINGS = off("embeddings");
    private static final long POOLING_TYPE = off("pooling_type");

    private static long off(String field) {
        return LlamaStructs.offset(LlamaStructs.CONTEXT_PARAMS, field);
    }

    public ContextParams {
        if (nCtx <= 0 || nBatch <= 0 || nUbatch <= 0 || nSeqMax <= 0 || threads <= 0 || threadsBatch <= 0) {
            throw new IllegalArgumentException("context sizes and thread counts must be positive: " + this);
        }
        if (threadPoll < 0 || threadPoll > 100) {
            throw new IllegalArgumentException("thread poll level must be 0..100, got " + threadPoll);
        }
        java.util.Objects.requireNonNull(poolingType, "poolingType");
        if (nUbatch > nBatch) {
            throw new IllegalArgumentException("n_ubatch " + nUbatch + " exceeds n_batch " + nBatch);
        }
    }

    /** One sequence of {@code nCtx} cells, batches of 512, all cores. */
    public static ContextParams single(int nCtx) {
        int cores = Runtime.getRuntime().availableProcessors();
        return new ContextParams(nCtx, 512, 512, 1, cores, cores, FlashAttention.AUTO, GgmlTypeId.F16, true, 0, false,
                PoolingType.UNSPECIFIED);
    }

    public ContextParams withThreads(int t) {
        return new ContextParams(nCtx, nBatch, nUbatch, nSeqMax, t, t, flashAttention, kvType, kvUnified, threadPoll,
                embeddings, poolingType);
    }

    public ContextParams withSeqMax(int n) {
        return new ContextParams(nCtx, nBatch, nUbatch, n, threads, threadsBatch, flashAttention, kvType, kvUnified,
                threadPoll, embeddings, poolingType);
    }

    public ContextParams withThreadPoll(int poll) {
        return new ContextParams(nCtx, nBatch, nUbatch, nSeqMax, threads, threadsBatch, flashAttention, kvType,
                kvUnified, poll, embeddings, poolingType);
    }

    public ContextParams withBatch(int batch, int ubatch) {
        return new ContextParams(nCtx, batch, ubatch, nSeqMax, threads, threadsBatch, flashAttention, kvType, kvUnified,
                threadPoll, embeddings, poolingType);
    }

    /**
     * The KV cache element type for K and V. A quantized V cache needs flash attention, which
     * {@link FlashAttention#AUTO} turns on where the backend has it (the CPU backend does).
     */
    public ContextParams withKvType(GgmlTypeId type) {
        return new ContextParams(nCtx, nBatch, nUbatch, nSeqMax, threads, threadsBatch, flashAttention, type, kvUnified,
                threadPoll, embeddings, poolingType);
    }

    /**
     * Embeddings on, pooled by {@code pooling}. Pooling needs every token of a sequence in one
     * micro-batch, so callers also size {@code nUbatch} to their largest run.
     */
    public ContextParams withEmbeddings(PoolingType pooling) {
        return new ContextParams(nCtx, nBatch, nUbatch, nSeqMax, threads, threadsBatch, flashAttention, kvType, kvUnified,
                threadPoll, true, pooling);
    }

    MemorySegment toNative(Arena arena) {
        MemorySegment s = nativeDefaults(arena);
        s.set(JAVA_INT, N_CTX, nCtx);
        s.set(JAVA_INT, N_BATCH, nBatch);
        s.set(JAVA_INT, N_UBATCH, nUbatch);
        s.set(JAVA_INT, N_SEQ_MAX, nSeqMax);
        // Every sequence in a step wants logits for its last token only; 1 is llama.cpp's default too.
        s.set(JAVA_INT, N_OUTPUTS_MAX_PER_SEQ, 1);
        s.set(JAVA_INT, N_THREADS, threads);
        s.set(JAVA_INT, N_THREADS_BATCH, threadsBatch);
        s.set(JAVA_INT, FLASH_ATTN, flashAttention.id);
        s.set(JAVA_INT, TYPE_K, kvType.id);
        s.set(JAVA_INT, TYPE_V, kvType.id);
        s.set(JAVA_BOOLEAN, NO_PERF, true);
        s.set(JAVA_BOOLEAN, KV_UNIFIED, kvUnified);
        s.set(JAVA_BOOLEAN, EMBEDDINGS, embeddings);
        s.set(JAVA_INT, POOLING_TYPE, poolingType.id);
        return s;
    }

    static MemorySegment nativeDefaults(SegmentAllocator allocator) {
        try {
            return (MemorySegment) LlamaNative.llama_context_default_params.invokeExact(allocator);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }
}
