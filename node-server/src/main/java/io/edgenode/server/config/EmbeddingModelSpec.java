package io.edgenode.server.config;

import io.edgenode.core.embed.BuiltinEmbeddingModel;
import io.edgenode.core.embed.InputBatching;
import io.edgenode.core.embed.OnnxEmbedderConfig;
import io.edgenode.core.embed.Pooling;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code kind: embedding} entry of {@code models:} in models.yaml: an ONNX text embedding model
 * served by {@code POST /v1/embeddings}. Either {@code builtin} (a model on the classpath) or
 * {@code path} + {@code tokenizer} (files).
 *
 * @param id the name clients send as {@code model}; unique across all ids and aliases
 * @param aliases more names
 * @param builtin a bundled model ({@code all-minilm-l6-v2-q})
 * @param path the {@code .onnx} file (when not builtin)
 * @param tokenizer its Hugging Face {@code tokenizer.json} (when not builtin)
 * @param pooling mean over the mask or the [CLS] token; default: the builtin's, else mean
 * @param maxInputTokens most tokens per input (special tokens included)
 * @param maxBatch most inputs in one batch (one ONNX run, or one per input, see {@code inputBatching})
 * @param threads ONNX Runtime intra-op threads per run
 * @param workers batches run in parallel (each on its own platform thread)
 * @param maxQueue requests waiting for a worker before 429
 * @param batchWait how long a worker waits for more requests to fill a batch; zero: none
 * @param inputBatching whether the inputs of a batch share one padded run
 */
public record EmbeddingModelSpec(
        String id,
        List<String> aliases,
        Optional<BuiltinEmbeddingModel> builtin,
        Optional<Path> path,
        Optional<Path> tokenizer,
        Pooling pooling,
        int maxInputTokens,
        int maxBatch,
        int threads,
        int workers,
        int maxQueue,
        Duration batchWait,
        InputBatching inputBatching) {

    public static final int DEFAULT_MAX_BATCH = OnnxEmbedderConfig.DEFAULT_MAX_BATCH;
    public static final int DEFAULT_WORKERS = 1;
    public static final int DEFAULT_THREADS = 1;
    public static final int DEFAULT_MAX_QUEUE = 256;
    public static final int MAX_BATCH_LIMIT = 2048;

    public EmbeddingModelSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(builtin, "builtin");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(batchWait, "batchWait");
        Objects.requireNonNull(inputBatching, "inputBatching");
        aliases = List.copyOf(aliases);
        if (builtin.isPresent() == (path.isPresent() || tokenizer.isPresent())
                || path.isPresent() != tokenizer.isPresent()) {
            throw new IllegalArgumentException("embedding model " + id + ": builtin, or path and tokenizer");
        }
        if (id.isBlank() || maxInputTokens < 2 || maxBatch < 1 || maxBatch > MAX_BATCH_LIMIT || threads < 1
                || workers < 1 || maxQueue < 1 || batchWait.isNegative()) {
            throw new IllegalArgumentException("invalid embedding model spec: " + id + " max_input_tokens="
                    + maxInputTokens + " max_batch=" + maxBatch + " threads=" + threads + " workers=" + workers
                    + " max_queue=" + maxQueue + " batch_wait=" + batchWait);
        }
    }

    /** The builtin MiniLM int8 model with the defaults. */
    public static EmbeddingModelSpec builtin(String id, BuiltinEmbeddingModel model) {
        return new EmbeddingModelSpec(id, List.of(), Optional.of(model), Optional.empty(), Optional.empty(),
                model.pooling(), OnnxEmbedderConfig.DEFAULT_MAX_INPUT_TOKENS, DEFAULT_MAX_BATCH, DEFAULT_THREADS,
                DEFAULT_WORKERS, DEFAULT_MAX_QUEUE, Duration.ZERO, InputBatching.AUTO);
    }

    /** Whether {@code name} is this model's id or one of its aliases. */
    public boolean answersTo(String name) {
        return id.equals(name) || aliases.contains(name);
    }

    /** How core.embed runs it. */
    public OnnxEmbedderConfig onnxConfig() {
        return new OnnxEmbedderConfig(id, pooling, maxInputTokens, maxBatch, threads, inputBatching);
    }
}
