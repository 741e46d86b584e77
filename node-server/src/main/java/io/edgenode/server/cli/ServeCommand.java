package io.edgenode.server.cli;

import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.server.config.NodeConfig;
import io.edgenode.server.config.ServerSettings;
import io.edgenode.server.gateway.Gateway;
import io.edgenode.server.http.HttpNode;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.node.ModelHost;
import io.edgenode.server.memory.MemoryService;
import io.edgenode.server.session.SessionService;
import io.edgenode.server.session.SessionSettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code edgenode serve}: the OpenAI-compatible node. SIGTERM or SIGINT stops accepting, lets
 * in-flight streams finish up to {@code --shutdown-timeout}, cancels the rest, frees native memory
 * and exits 0.
 */
@Command(name = "serve", description = "Serve the configured models over an OpenAI-compatible HTTP API.")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigFileOption config;

    @Option(names = "--host", description = "Address to bind (default: from the config, 127.0.0.1).")
    String host;

    @Option(names = "--port", description = "Port (default: from the config, 8080; 0 picks a free one).")
    Integer port;

    @Option(names = "--data-dir", description = "Data directory (default: from the config).")
    Path dataDir;

    @Option(names = "--memory-budget", paramLabel = "SIZE", converter = ByteSizeConverter.class,
            description = "Memory the loaded models may take together, such as 6GiB or 512MiB (default: from the"
                    + " config, else 3/4 of physical memory; 0 = that default). Idle models are unloaded to make"
                    + " room; a model that cannot fit is refused with 503.")
    Long memoryBudget;

    @Option(names = "--kv-disk-budget", defaultValue = "4GiB", converter = ByteSizeConverter.class,
            description = "Disk space for sessions' KV snapshots under the data directory, least recently used deleted first; 0 turns hibernation off (default ${DEFAULT-VALUE}).")
    long kvDiskBudget;

    @Option(names = "--session-ttl", defaultValue = "0", description = "Seconds a session may stay unused before it is deleted; 0 keeps sessions until deleted (default ${DEFAULT-VALUE}). A session's own ttl_seconds wins.")
    long sessionTtlSeconds;

    @Option(names = "--session-max-turns", defaultValue = "1000", description = "Turns one session may hold (default ${DEFAULT-VALUE}).")
    int sessionMaxTurns;

    @Option(names = "--session-max-tokens", defaultValue = "10000000", description = "Prompt plus completion tokens one session may accumulate (default ${DEFAULT-VALUE}).")
    long sessionMaxTokens;

    @Option(names = "--shutdown-timeout", defaultValue = "30", description = "Seconds in-flight requests may take to finish on SIGTERM (default ${DEFAULT-VALUE}).")
    int shutdownSeconds;

    @Mixin
    LlamaLibOption llamaLib;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        NodeConfig cfg = config.load();
        ServerSettings s = cfg.server();
        long budget = memoryBudget != null ? memoryBudget : s.memoryBudgetBytes();
        ServerSettings settings = new ServerSettings(host != null ? host : s.host(), port != null ? port : s.port(),
                dataDir != null ? dataDir : s.dataDir(), s.corsAllowedOrigins(), s.maxBodyBytes(), budget, s.routing(),
                s.connections(), s.live());
        cfg = cfg.withServer(settings);
        Files.createDirectories(settings.dataDir());
        LlamaLibrary library = llamaLib.load();
        ServerMetrics metrics = new ServerMetrics();
        ModelHost models = new ModelHost(library, cfg);
        for (var m : cfg.models()) {
            // gauges follow the engine once it is loaded; 0 before
            metrics.registerEngine(m.id(), () -> models.loaded(m.id()).map(l -> l.engine().metrics())
                    .orElse(new io.edgenode.core.engine.EngineMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
        }
        models.startLoading();
        err.printf("edgenode: memory budget %d MiB%n", models.budgetBytes() >> 20);
        SessionSettings sessionSettings = SessionSettings.defaults(settings.dataDir())
                .withKvDiskBudget(kvDiskBudget)
                .withDefaultTtl(Duration.ofSeconds(sessionTtlSeconds))
                .withLimits(sessionMaxTurns, sessionMaxTokens);
        SessionService sessions = SessionService.start(sessionSettings);
        // Vector indexes under <data-dir>/indexes. No embedding model is served yet, so text
        // indexes cannot be created until the node's embedders are passed here.
        // Text indexes embed through the node's embedding models (loaded at start; an index whose
        // model is missing or failed answers 503, the node goes on).
        MemoryService memory = MemoryService.open(settings.dataDir(), modelId -> embedder(models, modelId));
        Gateway gateway = Gateway.open(settings.dataDir(), cfg.gateway(), metrics.registry(), sessions.digests(),
                models::spec);
        HttpNode node;
        try {
            node = HttpNode.start(settings, models, metrics, sessions, memory, gateway);
        } catch (IllegalStateException e) {
            // The bind policy: nothing was bound; free what was set up and say why.
            gateway.close();
            memory.close();
            sessions.close();
            models.shutdown(Duration.ZERO);
            err.println("edgenode: " + e.getMessage());
            err.flush();
            return 2;
        }
        err.printf("edgenode: %s%n", gateway.requiresKeys() ? "API keys required (" + gateway.keys().store().count()
                + " active)" : "keyless: any client that reaches the port is served");
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTerminate(stop::countDown);
        err.printf("edgenode: serving on http://%s:%d (models: %s%s)%n", settings.host(), node.port(),
                String.join(", ", cfg.models().stream().map(m -> m.id()).toList()),
                cfg.embeddingModels().isEmpty() ? "" : "; embedding models: "
                        + String.join(", ", cfg.embeddingModels().stream().map(m -> m.id()).toList()));
        err.flush();
        stop.await();
        err.println("edgenode: shutting down (in-flight requests have " + shutdownSeconds + " s)");
        err.flush();
        boolean drained = node.shutdown(Duration.ofSeconds(shutdownSeconds));
        err.println("edgenode: stopped" + (drained ? "" : " (some requests were cancelled)"));
        err.flush();
        return 0;
    }

    private static java.util.Optional<io.edgenode.core.embed.Embedder> embedder(ModelHost models, String modelId) {
        var spec = models.embeddingSpec(modelId);
        if (spec.isEmpty()) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(models.embedder(spec.get(), io.edgenode.server.node.ModelRouter.DEFAULT_LOAD_WAIT));
        } catch (io.edgenode.server.node.ModelUnavailableException e) {
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }
}
