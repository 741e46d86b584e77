package io.edgenode.core.embed;

import java.util.Objects;

/**
 * How to run one GGUF embedding model through llama.cpp.
 *
 * @param modelId the name the model answers to
 * @param pooling mean, [CLS], last token, or the model file's own ({@link Pooling#MODEL})
 * @param maxInputTokens most tokens per input; {@link #MODEL_CONTEXT}: the model's training context
 * @param maxBatch most inputs in one run; also the context's {@code n_seq_max} (llama.cpp allows
 *     {@value #MAX_SEQUENCES})
 * @param threads llama.cpp threads of one run
 */
public record LlamaEmbedderConfig(String modelId, Pooling pooling, int maxInputTokens, int maxBatch, int threads) {
    /** {@code maxInputTokens}: as long as the model was trained for. */
    public static final int MODEL_CONTEXT = 0;
    /** llama.cpp's {@code LLAMA_MAX_SEQ}: more sequences per context fail its context creation. */
    public static final int MAX_SEQUENCES = 256;

    public LlamaEmbedderConfig {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(pooling, "pooling");
        if (maxInputTokens != MODEL_CONTEXT && maxInputTokens < 2 || maxBatch < 1 || maxBatch > MAX_SEQUENCES
                || threads < 1) {
            throw new IllegalArgumentException("invalid GGUF embedder config for " + modelId + ": max_input_tokens="
                    + maxInputTokens + " max_batch=" + maxBatch + " (1 to " + MAX_SEQUENCES + ") threads=" + threads);
        }
    }
}
