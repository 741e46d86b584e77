package io.edgenode.server.node;

import io.edgenode.core.embed.InputBatching;
import io.edgenode.server.config.EmbeddingModelSpec;

/**
 * What an embedding model takes in memory once loaded, estimated before loading from its file size
 * and its batch settings. Stateless.
 *
 * <p>Deliberately generous, like {@link ModelMemory}: the weights twice (ONNX Runtime's copy, and
 * the bytes we hand it while the session is created), plus per worker the activations of its
 * largest run: {@code rows x max_input_tokens} tokens at {@value #BYTES_PER_TOKEN} bytes each (a
 * 1024-wide encoder's hidden states and 4x feed-forward intermediates in F32) and the attention
 * scores ({@value #HEADS} heads of {@code T x T} F32). {@code rows} is {@code max_batch} for
 * shared runs, 1 for per-input runs.
 *
 * @param weightsBytes the model file, twice
 * @param computeBytes the activations of every worker's largest run
 */
public record EmbeddingMemory(long weightsBytes, long computeBytes) {
    static final long BYTES_PER_TOKEN = 4L * 4096;
    static final long HEADS = 16;

    public long totalBytes() {
        return weightsBytes + computeBytes;
    }

    /** The estimate for {@code spec} whose model file has {@code modelBytes}; sharedRuns as resolved (auto or not). */
    static EmbeddingMemory of(EmbeddingModelSpec spec, long modelBytes, boolean sharedRuns) {
        long rows = sharedRuns && spec.inputBatching() != InputBatching.PER_INPUT ? spec.maxBatch() : 1;
        long t = spec.maxInputTokens();
        long perRun = rows * t * BYTES_PER_TOKEN + rows * HEADS * t * t * 4;
        return new EmbeddingMemory(2 * Math.max(0, modelBytes), spec.workers() * perRun);
    }
}
