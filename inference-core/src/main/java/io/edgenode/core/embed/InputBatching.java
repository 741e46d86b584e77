package io.edgenode.core.embed;

import java.util.Locale;

/**
 * Whether the inputs of one batch share one padded ONNX run.
 *
 * <p>Sharing a run roughly doubles throughput at batch 16 (MiniLM on one core), and is exact for an
 * fp32 model (padding is masked). It is not exact for a model quantized dynamically
 * ({@code DynamicQuantizeLinear}: the int8 MiniLM): the activations' scale is computed over the
 * whole batch tensor, padding included, so a text's vector would depend on the texts it happened to
 * be batched with (cosine 0.994 to its vector alone, measured). An index must get the same vector
 * for the same text, so such models run each input alone by default.
 */
public enum InputBatching {
    /** {@link #SHARED} unless the graph quantizes activations dynamically, then {@link #PER_INPUT}. */
    AUTO,
    /** One padded run per batch. */
    SHARED,
    /** One unpadded run per input: vectors never depend on batch neighbours. */
    PER_INPUT;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
