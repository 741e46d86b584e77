package io.edgenode.store.gguf;

import java.util.Objects;

/**
 * Memory a model needs at a given context length: its weights plus the KV cache. Compute buffers
 * and runtime overhead are not included; they depend on the backend and batch size, so callers add
 * their own margin.
 *
 * <p>The KV cache holds, for every layer and every context position, one key and one value vector per
 * KV head: {@code n_layer * n_ctx * n_head_kv * (key_length + value_length) * bytesPerElement}, which
 * for the usual equal key and value head size is
 * {@code 2 * n_layer * n_ctx * n_head_kv * head_dim * bytesPerElement}.
 *
 * @param weightsBytes      tensor data bytes of the file
 * @param kvCacheBytes      K and V cache bytes for {@code contextLength} positions
 * @param contextLength     context length the cache is sized for
 * @param kvBytesPerElement bytes per cached element (2 for F16, 1 for Q8_0-ish caches, 4 for F32)
 */
public record MemoryEstimate(long weightsBytes, long kvCacheBytes, long contextLength, double kvBytesPerElement) {

    /** Bytes per element of llama.cpp's default F16 KV cache. */
    public static final double F16_KV_BYTES = 2;

    public long totalBytes() {
        return Math.addExact(weightsBytes, kvCacheBytes);
    }

    /** Estimate for {@code contextLength} positions with an F16 KV cache. */
    public static MemoryEstimate of(GgufModelInfo info, long contextLength) {
        return of(info, contextLength, F16_KV_BYTES);
    }

    /** Estimate for a KV cache of ggml type {@code kvType} (llama.cpp's {@code --cache-type-k/v}). */
    public static MemoryEstimate of(GgufModelInfo info, long contextLength, GgmlType kvType) {
        return of(info, contextLength, (double) kvType.typeSize() / kvType.blockSize());
    }

    /**
     * Estimate for {@code contextLength} positions with {@code kvBytesPerElement} bytes per cached
     * element (fractional for block-quantized caches: Q8_0 is 34/32).
     *
     * @throws IllegalArgumentException if the model's shape is not stated or the arguments are not positive
     */
    public static MemoryEstimate of(GgufModelInfo info, long contextLength, double kvBytesPerElement) {
        Objects.requireNonNull(info, "info");
        if (!info.hasTransformerShape()) {
            throw new IllegalArgumentException("model '" + info.architecture()
                    + "' does not state block count, embedding length and head count; cannot size its KV cache");
        }
        if (contextLength <= 0 || !(kvBytesPerElement > 0)) {
            throw new IllegalArgumentException("context length and bytes per element must be positive");
        }
        long perPosition = Math.multiplyExact(
                Math.multiplyExact((long) info.blockCount(), (long) info.headCountKv()),
                Math.addExact(info.keyLength(), info.valueLength()));
        long elements = Math.multiplyExact(perPosition, contextLength);
        long kv = (long) Math.ceil(elements * kvBytesPerElement);
        return new MemoryEstimate(info.tensorDataBytes(), kv, contextLength, kvBytesPerElement);
    }
}
