package io.edgenode.server.node;

import io.edgenode.core.llama.ContextParams.GgmlTypeId;
import io.edgenode.server.config.ModelSpec;
import io.edgenode.store.gguf.GgmlType;
import io.edgenode.store.gguf.GgufFile;
import io.edgenode.store.gguf.GgufModelInfo;
import io.edgenode.store.gguf.MemoryEstimate;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What a configured model takes in memory once loaded, from its GGUF facts: the weights (tensor
 * data by type), the KV cache ({@code context} cells at the model's KV type, shared by its
 * {@code parallel} sequences) and an estimate of llama.cpp's compute buffers. Stateless.
 *
 * <p>The compute-buffer estimate is deliberately generous rather than exact (llama.cpp sizes them
 * per backend when the graph is reserved): F32 activations for one micro-batch of
 * {@code max_batch_tokens} tokens through the widest layer (feed-forward or embedding, times 4
 * for the parallel intermediate tensors) plus the logits of that batch (vocabulary wide), plus
 * {@value #OVERHEAD_MIB} MiB for the context's fixed state. A budget decision made on it errs on
 * the side of refusing, never of an OOM kill.
 *
 * @param weightsBytes tensor data of the file
 * @param kvCacheBytes K and V for every cell of the context
 * @param computeBytes the compute-buffer and context-state estimate
 */
public record ModelMemory(long weightsBytes, long kvCacheBytes, long computeBytes) {
    static final int OVERHEAD_MIB = 16;

    public long totalBytes() {
        return weightsBytes + kvCacheBytes + computeBytes;
    }

    /** Reads {@code file}'s GGUF facts (blocking I/O) and sizes it with {@code spec}'s context settings. */
    public static ModelMemory of(Path file, ModelSpec spec) throws IOException {
        try (GgufFile f = GgufFile.open(file)) {
            return of(GgufModelInfo.of(f), spec);
        }
    }

    public static ModelMemory of(GgufModelInfo info, ModelSpec spec) {
        MemoryEstimate e = MemoryEstimate.of(info, spec.contextSize(), ggmlType(spec.kvType()));
        long width = Math.max(info.feedForwardLength(), info.embeddingLength()) * 4 + info.vocabSize();
        long compute = 4L * spec.maxBatchTokens() * width + ((long) OVERHEAD_MIB << 20);
        return new ModelMemory(e.weightsBytes(), e.kvCacheBytes(), compute);
    }

    private static GgmlType ggmlType(GgmlTypeId id) {
        return switch (id) {
            case F32 -> GgmlType.F32;
            case F16 -> GgmlType.F16;
            case BF16 -> GgmlType.BF16;
            case Q8_0 -> GgmlType.Q8_0;
            case Q4_0 -> GgmlType.Q4_0;
        };
    }

    /** Bytes as MiB, rounded up, for messages. */
    static long mib(long bytes) {
        return (bytes + (1L << 20) - 1) >> 20;
    }
}
