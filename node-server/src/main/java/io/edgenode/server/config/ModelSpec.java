package io.edgenode.server.config;

import io.edgenode.core.llama.ContextParams.GgmlTypeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of {@code models:} in models.yaml: which GGUF file to serve under which names, where
 * to download it from, and the engine settings of its context. The invariants the reader checks
 * with a file position are also checked here, so a spec built in code cannot break the engine's
 * config either.
 *
 * @param id the name clients send as {@code model}; unique across ids and aliases
 * @param path the GGUF file; models.yaml resolves it against its own folder (with only a
 *     {@code source}: {@code <data_dir>/models/<file name of the source>})
 * @param synthetic create the file from a preset when it is missing
 * @param source where to download the file when it is missing: {@code hf://owner/repo/file.gguf}
 *     or an {@code https://} URL
 * @param sha256 the file's SHA-256 (64 lower-case hex digits), checked after a download
 * @param aliases more names for this model; unique across ids and aliases
 * @param parallel sequences decoded together (llama.cpp {@code n_seq_max}), 1..{@value #MAX_PARALLEL}
 * @param contextSize KV cells shared by the {@code parallel} sequences, at least {@code parallel}
 * @param threads decode threads
 * @param gpuLayers layers offloaded to the GPU; -1 all, 0 none
 * @param maxBatchTokens tokens per engine step, at least {@code parallel} (each decoding sequence
 *     gets one)
 * @param maxQueue requests waiting for a slot; beyond it requests are refused at once
 * @param kvType the KV cache element type (llama.cpp {@code type_k} and {@code type_v})
 * @param sampling defaults for the sampling fields a request leaves out
 * @param keepAlive how long the model stays loaded once idle; empty: forever
 * @param preload loaded at start and awaited by {@code /ready} (models.yaml: {@code preload} or
 *     its older name {@code default}); never evicted to make room for another model
 * @param fallbacks model ids tried in order when this one is overloaded, failed to load or does
 *     not fit the memory budget
 */
public record ModelSpec(
        String id,
        Path path,
        Optional<SyntheticSpec> synthetic,
        Optional<String> source,
        Optional<String> sha256,
        List<String> aliases,
        int parallel,
        int contextSize,
        int threads,
        int gpuLayers,
        int maxBatchTokens,
        int maxQueue,
        GgmlTypeId kvType,
        SamplingDefaults sampling,
        Optional<Duration> keepAlive,
        boolean preload,
        List<String> fallbacks,
        Optional<Path> chatTemplateFile) {

    /** The most sequences one context decodes together. */
    public static final int MAX_PARALLEL = 64;
    /** Defaults match {@code EngineConfig.defaults()} except threads (all cores, resolved by the reader). */
    public static final int DEFAULT_PARALLEL = 8;
    public static final int DEFAULT_CONTEXT = 4096;
    public static final int DEFAULT_GPU_LAYERS = 0;
    public static final int DEFAULT_MAX_BATCH_TOKENS = 256;
    public static final int DEFAULT_MAX_QUEUE = 64;
    /** How long a model that is not preloaded stays loaded once idle, unless it says otherwise. */
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofMinutes(5);

    public ModelSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(synthetic, "synthetic");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(kvType, "kvType");
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(keepAlive, "keepAlive");
        aliases = List.copyOf(aliases);
        fallbacks = List.copyOf(fallbacks);
        Objects.requireNonNull(chatTemplateFile, "chatTemplateFile");
        if (id.isBlank() || parallel < 1 || parallel > MAX_PARALLEL || contextSize < parallel || threads < 1 || gpuLayers < -1
                || maxBatchTokens < parallel || maxQueue < 1 || keepAlive.filter(Duration::isNegative).isPresent()
                || fallbacks.contains(id)) {
            throw new IllegalArgumentException("invalid model spec: " + id + " parallel=" + parallel + " context="
                    + contextSize + " threads=" + threads + " gpu_layers=" + gpuLayers + " max_batch_tokens="
                    + maxBatchTokens + " max_queue=" + maxQueue + " keep_alive=" + keepAlive + " fallbacks=" + fallbacks);
        }
    }

    /**
     * The fields models.yaml had before pulls and the registry: no source, F16 KV cache, no
     * sampling defaults, kept loaded forever when preloaded, else {@link #DEFAULT_KEEP_ALIVE}.
     */
    public ModelSpec(String id, Path path, Optional<SyntheticSpec> synthetic, List<String> aliases, int parallel,
            int contextSize, int threads, int gpuLayers, int maxBatchTokens, int maxQueue, boolean preload) {
        this(id, path, synthetic, Optional.empty(), Optional.empty(), aliases, parallel, contextSize, threads, gpuLayers,
                maxBatchTokens, maxQueue, GgmlTypeId.F16, SamplingDefaults.NONE,
                preload ? Optional.empty() : Optional.of(DEFAULT_KEEP_ALIVE), preload, List.of());
    }

    /** A spec that uses the chat template in its GGUF file. */
    public ModelSpec(String id, Path path, Optional<SyntheticSpec> synthetic, Optional<String> source,
            Optional<String> sha256, List<String> aliases, int parallel, int contextSize, int threads, int gpuLayers,
            int maxBatchTokens, int maxQueue, GgmlTypeId kvType, SamplingDefaults sampling,
            Optional<Duration> keepAlive, boolean preload, List<String> fallbacks) {
        this(id, path, synthetic, source, sha256, aliases, parallel, contextSize, threads, gpuLayers, maxBatchTokens,
                maxQueue, kvType, sampling, keepAlive, preload, fallbacks, Optional.empty());
    }

    /** Whether {@code name} is this model's id or one of its aliases. */
    public boolean answersTo(String name) {
        return id.equals(name) || aliases.contains(name);
    }

    /** The older name of {@link #preload}: loaded at start and awaited by {@code /ready}. */
    public boolean isDefault() {
        return preload;
    }

    /** This spec with another file path. */
    public ModelSpec withPath(Path p) {
        return new ModelSpec(id, p, synthetic, source, sha256, aliases, parallel, contextSize, threads, gpuLayers,
                maxBatchTokens, maxQueue, kvType, sampling, keepAlive, preload, fallbacks, chatTemplateFile);
    }

    /** This spec, preloaded or not (the reader preloads the first model when the file marks none). */
    public ModelSpec withPreload(boolean p) {
        return new ModelSpec(id, path, synthetic, source, sha256, aliases, parallel, contextSize, threads, gpuLayers,
                maxBatchTokens, maxQueue, kvType, sampling, keepAlive, p, fallbacks, chatTemplateFile);
    }
}
