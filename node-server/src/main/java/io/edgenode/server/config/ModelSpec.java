package io.edgenode.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of {@code models:} in models.yaml: which GGUF file to serve under which names, and the
 * engine settings of its context. The invariants the reader checks with a file position are also
 * checked here, so a spec built in code cannot break the engine's config either.
 *
 * @param id the name clients send as {@code model}; unique across ids and aliases
 * @param path the GGUF file; models.yaml resolves it against its own folder
 * @param synthetic create the file from a preset when it is missing
 * @param aliases more names for this model; unique across ids and aliases
 * @param parallel sequences decoded together (llama.cpp {@code n_seq_max}), 1..{@value #MAX_PARALLEL}
 * @param contextSize KV cells shared by the {@code parallel} sequences, at least {@code parallel}
 * @param threads decode threads
 * @param gpuLayers layers offloaded to the GPU; -1 all, 0 none
 * @param maxBatchTokens tokens per engine step, at least {@code parallel} (each decoding sequence
 *     gets one)
 * @param maxQueue requests waiting for a slot; beyond it requests are refused at once
 * @param isDefault loaded at start and awaited by {@code /ready}
 */
public record ModelSpec(
        String id,
        Path path,
        Optional<SyntheticSpec> synthetic,
        List<String> aliases,
        int parallel,
        int contextSize,
        int threads,
        int gpuLayers,
        int maxBatchTokens,
        int maxQueue,
        boolean isDefault) {

    /** The most sequences one context decodes together. */
    public static final int MAX_PARALLEL = 64;
    /** Defaults match {@code EngineConfig.defaults()} except threads (all cores, resolved by the reader). */
    public static final int DEFAULT_PARALLEL = 8;
    public static final int DEFAULT_CONTEXT = 4096;
    public static final int DEFAULT_GPU_LAYERS = 0;
    public static final int DEFAULT_MAX_BATCH_TOKENS = 256;
    public static final int DEFAULT_MAX_QUEUE = 64;

    public ModelSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(synthetic, "synthetic");
        aliases = List.copyOf(aliases);
        if (id.isBlank() || parallel < 1 || parallel > MAX_PARALLEL || contextSize < parallel || threads < 1 || gpuLayers < -1
                || maxBatchTokens < parallel || maxQueue < 1) {
            throw new IllegalArgumentException("invalid model spec: " + id + " parallel=" + parallel + " context="
                    + contextSize + " threads=" + threads + " gpu_layers=" + gpuLayers + " max_batch_tokens="
                    + maxBatchTokens + " max_queue=" + maxQueue);
        }
    }

    /** Whether {@code name} is this model's id or one of its aliases. */
    public boolean answersTo(String name) {
        return id.equals(name) || aliases.contains(name);
    }
}
