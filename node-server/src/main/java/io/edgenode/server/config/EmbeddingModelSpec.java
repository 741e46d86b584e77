package io.edgenode.server.config;

import io.edgenode.core.embed.BuiltinEmbeddingModel;
import io.edgenode.core.embed.InputBatching;
import io.edgenode.core.embed.LlamaEmbedderConfig;
import io.edgenode.core.embed.OnnxEmbedderConfig;
import io.edgenode.core.embed.Pooling;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code kind: embedding} entry of {@code models:} in models.yaml: a text embedding model served
 * by {@code POST /v1/embeddings}. Either {@code builtin} (an ONNX model on the classpath), {@code
 * path} + {@code tokenizer} (ONNX files), or a {@code path} ending in {@code .gguf} alone (run by
 * llama.cpp, with the vocabulary in the file).
 *
 * @param id the name clients send as {@code model}; unique across all ids and aliases
 * @param aliases more names
 * @param builtin a bundled model ({@code all-minilm-l6-v2-q})
 * @param path the {@code .onnx} or {@code .gguf} file (when not builtin)
 * @param tokenizer the ONNX model's Hugging Face {@code tokenizer.json} (none for GGUF)
 * @param pooling mean, [CLS], and for GGUF also last or the model's own; default: the builtin's, else mean
 * @param maxInputTokens most tokens per input (special tokens included); for GGUF
 *     {@link LlamaEmbedderConfig#MODEL_CONTEXT}: the model's training context
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
        boolean gguf = path.isPresent() && isGgufPath(path.get());
        if (builtin.isPresent() == (path.isPresent() || tokenizer.isPresent())
                || !gguf && path.isPresent() != tokenizer.isPresent() || gguf && tokenizer.isPresent()) {
            throw new IllegalArgumentException("embedding model " + id
                    + ": builtin, or path and tokenizer, or a .gguf path alone");
        }
        if (!gguf && !pooling.onnxSupported()) {
            throw new IllegalArgumentException("embedding model " + id + ": an ONNX model pools by mean or cls");
        }
        if (gguf && (maxBatch > LlamaEmbedderConfig.MAX_SEQUENCES || workers != 1)) {
            throw new IllegalArgumentException("embedding model " + id + ": a GGUF model takes max_batch up to "
                    + LlamaEmbedderConfig.MAX_SEQUENCES + " and one worker");
        }
        boolean modelContext = gguf && maxInputTokens == LlamaEmbedderConfig.MODEL_CONTEXT;
        if (id.isBlank() || maxInputTokens < 2 && !modelContext || maxBatch < 1 || maxBatch > MAX_BATCH_LIMIT || threads < 1
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

    /** Whether {@code file} names a GGUF model (run by llama.cpp rather than ONNX Runtime). */
    public static boolean isGgufPath(Path file) {
        return file.getFileName() != null
                && file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf");
    }

    /** Whether llama.cpp runs this model. */
    public boolean gguf() {
        return path.isPresent() && isGgufPath(path.get());
    }

    /** How core.embed runs a GGUF model. */
    public LlamaEmbedderConfig llamaConfig() {
        return new LlamaEmbedderConfig(id, pooling, maxInputTokens, maxBatch, threads);
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
