package io.edgenode.core.embed;

import java.util.Objects;

/**
 * How to run one ONNX embedding model.
 *
 * @param modelId the name the model answers to
 * @param pooling mean over the mask, or the {@code [CLS]} token
 * @param maxInputTokens most tokens per input (BERT's position table: 512 for MiniLM and BGE)
 * @param maxBatch most inputs in one ONNX run; longer calls run in chunks of this size
 * @param threads ONNX Runtime intra-op threads of one run
 * @param inputBatching whether a batch's inputs share one padded run
 */
public record OnnxEmbedderConfig(String modelId, Pooling pooling, int maxInputTokens, int maxBatch, int threads,
        InputBatching inputBatching) {
    public static final int DEFAULT_MAX_INPUT_TOKENS = 512;
    public static final int DEFAULT_MAX_BATCH = 32;

    /** With {@link InputBatching#AUTO}. */
    public OnnxEmbedderConfig(String modelId, Pooling pooling, int maxInputTokens, int maxBatch, int threads) {
        this(modelId, pooling, maxInputTokens, maxBatch, threads, InputBatching.AUTO);
    }

    public OnnxEmbedderConfig {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(inputBatching, "inputBatching");
        if (!pooling.onnxSupported()) {
            throw new IllegalArgumentException("an ONNX model pools by mean or cls, not " + pooling.wireName());
        }
        if (maxInputTokens < 2 || maxBatch < 1 || threads < 1) {
            throw new IllegalArgumentException("invalid embedder config: max_input_tokens=" + maxInputTokens
                    + " max_batch=" + maxBatch + " threads=" + threads);
        }
    }
}
