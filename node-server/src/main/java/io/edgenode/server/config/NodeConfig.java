package io.edgenode.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A node's configuration, as read from models.yaml by {@link NodeConfigReader}.
 *
 * @param server the HTTP node's settings
 * @param models the models in file order; ids and aliases are unique, at least one is default
 * @param baseDir the folder relative paths were resolved against (the config file's folder)
 * @param embeddingModels the {@code kind: embedding} entries of {@code models:}, in file order
 * @param gateway keys, limits, ledger, cache, guardrails and prices ({@code gateway:})
 */
public record NodeConfig(ServerSettings server, List<ModelSpec> models, Path baseDir,
        List<EmbeddingModelSpec> embeddingModels, GatewaySettings gateway, JobSettings jobs) {
    /** A config with the default job settings. */
    public NodeConfig(ServerSettings server, List<ModelSpec> models, Path baseDir,
            List<EmbeddingModelSpec> embeddingModels, GatewaySettings gateway) {
        this(server, models, baseDir, embeddingModels, gateway, JobSettings.DEFAULTS);
    }

    /**
     * The embedded default: what the repository's models.yaml says, without its comments. Kept as
     * YAML so that it goes through the same reader and rules as a file.
     */
    static final String DEFAULT_YAML = """
            server:
              host: 127.0.0.1
              port: 8080
              data_dir: data
              cors_allowed_origins: []
              max_body_bytes: 4194304
            models:
              - id: demo
                path: models/demo-tiny-q8_0.gguf
                synthetic: {preset: tiny, quant: q8_0}
                aliases: [default]
                parallel: 8
                context: 4096
                threads: 2
                gpu_layers: 0
                max_batch_tokens: 256
                max_queue: 64
                preload: true
              - id: all-minilm-l6-v2-q
                kind: embedding
                builtin: all-minilm-l6-v2-q
                aliases: [text-embedding-minilm]
                max_batch: 32
            """;

    public NodeConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(baseDir, "baseDir");
        models = List.copyOf(models);
        embeddingModels = List.copyOf(embeddingModels);
        Objects.requireNonNull(gateway, "gateway");
    }

    /** A node with the default gateway settings. */
    public NodeConfig(ServerSettings server, List<ModelSpec> models, Path baseDir,
            List<EmbeddingModelSpec> embeddingModels) {
        this(server, models, baseDir, embeddingModels, GatewaySettings.DEFAULTS);
    }

    /** A node with no embedding models. */
    public NodeConfig(ServerSettings server, List<ModelSpec> models, Path baseDir) {
        this(server, models, baseDir, List.of());
    }

    /**
     * The embedded default (the synthetic demo model, created on first start), with relative paths
     * resolved against {@code baseDir}.
     */
    public static NodeConfig defaults(Path baseDir) {
        return NodeConfigReader.parse(DEFAULT_YAML, baseDir, "<embedded default>");
    }

    /**
     * This config with {@code server} replacing its settings (command-line overrides). When the
     * data directory changes, models downloaded into it (a {@code source} and a path under
     * {@code <data_dir>/models/}) move with it.
     */
    public NodeConfig withServer(ServerSettings settings) {
        Path oldModels = server.dataDir().resolve("models");
        Path newModels = settings.dataDir().resolve("models");
        List<ModelSpec> moved = models.stream().map(m -> m.source().isPresent() && m.path().startsWith(oldModels)
                ? m.withPath(newModels.resolve(oldModels.relativize(m.path())).normalize()) : m).toList();
        return new NodeConfig(settings, moved, baseDir, embeddingModels, gateway, jobs);
    }

    /** The model whose id or alias is {@code name}. */
    public Optional<ModelSpec> model(String name) {
        for (ModelSpec m : models) {
            if (m.answersTo(name)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** The embedding model whose id or alias is {@code name}. */
    public Optional<EmbeddingModelSpec> embeddingModel(String name) {
        for (EmbeddingModelSpec m : embeddingModels) {
            if (m.answersTo(name)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** The models marked {@code default: true} (or the first model, when none is marked). */
    public List<ModelSpec> defaultModels() {
        return models.stream().filter(ModelSpec::isDefault).toList();
    }
}
