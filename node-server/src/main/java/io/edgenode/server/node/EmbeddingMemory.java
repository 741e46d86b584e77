package io.edgenode.server.node;

import io.edgenode.core.embed.InputBatching;
import io.edgenode.core.embed.LlamaEmbedder;
import io.edgenode.core.embed.LlamaEmbedderConfig;
import io.edgenode.server.config.EmbeddingModelSpec;
import io.edgenode.store.gguf.GgmlType;
import io.edgenode.store.gguf.GgufModelInfo;
import io.edgenode.store.gguf.MemoryEstimate;

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
 * <p>A GGUF model ({@link #ofGguf}) counts the file once (llama.cpp maps it), then, like
 * {@link ModelMemory}, its context: the F16 KV cache of {@link LlamaEmbedder#runTokens} cells and
 * F32 activations of one decode of that many tokens through the widest layer (times 4, plus a
 * vocabulary-wide row per token: a decoder keeps its output head), plus
 * {@value ModelMemory#OVERHEAD_MIB} MiB of context state.
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

    /** The estimate for GGUF {@code spec}, from its file's facts and size. */
    static EmbeddingMemory ofGguf(EmbeddingModelSpec spec, GgufModelInfo info, long fileBytes) {
        long maxTokens = spec.maxInputTokens() == LlamaEmbedderConfig.MODEL_CONTEXT
                ? info.contextLength() : spec.maxInputTokens();
        int tokens = LlamaEmbedder.runTokens((int) Math.min(Math.max(2, maxTokens), Integer.MAX_VALUE),
                spec.maxBatch());
        long kv = MemoryEstimate.of(info, tokens, GgmlType.F16).kvCacheBytes();
        long width = Math.max(info.feedForwardLength(), info.embeddingLength()) * 4 + info.vocabSize();
        long compute = 4L * tokens * width + ((long) ModelMemory.OVERHEAD_MIB << 20);
        return new EmbeddingMemory(Math.max(0, fileBytes), kv + compute);
    }
}
