package io.edgenode.bench.common;

import io.edgenode.server.gateway.Gateway;
import io.edgenode.server.session.ModelDigests;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.server.config.NodeConfig;
import io.edgenode.server.config.NodeConfigReader;
import io.edgenode.server.http.HttpNode;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.node.ModelHost;
import io.edgenode.server.session.SessionService;
import io.edgenode.server.session.SessionSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * A real node in this process (ModelHost + HttpNode on an ephemeral port of 127.0.0.1), built from
 * a models.yaml text as {@code edgenode serve} builds it, optionally with sessions. The one fixture
 * the benchmarks and their tests start nodes with. Thread-safe after construction.
 */
public final class LocalNode implements AutoCloseable {
    public final ModelHost host;
    public final HttpNode node;
    public final ServerMetrics metrics = new ServerMetrics();
    /** Null when started without sessions. */
    public final SessionService sessions;
    /** Null when started without a gateway. */
    public final Gateway gateway;

    /**
     * Starts the node and waits until its models are loaded.
     *
     * @param modelsYaml the {@code models:} list items ({@link #model})
     * @param dir        the directory relative paths in the config resolve against
     * @param sessions   where sessions are kept, or null for none
     * @throws IOException when the models do not load within {@code loadTimeout} (the node is then stopped)
     */
    public LocalNode(String modelsYaml, Path dir, SessionSettings sessions, Duration loadTimeout) throws Exception {
        this(modelsYaml, dir, sessions, loadTimeout, null);
    }

    /** The node behind a gateway: {@code gatewayYaml} is the body of models.yaml's {@code gateway:} (null: keyless, no gateway database). */
    public LocalNode(String modelsYaml, Path dir, SessionSettings sessions, Duration loadTimeout, String gatewayYaml)
            throws Exception {
        Objects.requireNonNull(modelsYaml, "modelsYaml");
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(loadTimeout, "loadTimeout");
        String yaml = "server:\n  host: 127.0.0.1\n  port: 0\n  data_dir: data\nmodels:\n" + modelsYaml
                + (gatewayYaml == null ? "" : "gateway:\n" + gatewayYaml);
        NodeConfig config = NodeConfigReader.parse(yaml, dir, "bench.yaml");
        host = new ModelHost(LlamaLibrary.load(), config);
        host.startLoading();
        this.sessions = sessions == null ? null : SessionService.start(sessions);
        if (gatewayYaml == null) {
            gateway = null;
            node = HttpNode.start(config.server(), host, metrics, this.sessions);
        } else {
            gateway = Gateway.open(config.server().dataDir(), config.gateway(), metrics.registry(),
                    this.sessions != null ? this.sessions.digests() : new ModelDigests(config.server().dataDir()),
                    host::spec);
            node = HttpNode.start(config.server(), host, metrics, this.sessions, null, gateway);
        }
        if (!host.awaitReady(loadTimeout)) {
            node.shutdown(Duration.ZERO);
            String id = config.models().getFirst().id();
            throw new IOException("model did not load: " + host.failure(id).orElse("timeout"));
        }
    }

    /** One {@code models:} item, preloaded, with a queue of 64; {@code path} is absolute or relative to the node's dir. */
    public static String model(String id, String path, int parallel, int context, int threads, int maxBatchTokens) {
        return "  - id: " + id + "\n"
                + "    path: " + path + "\n"
                + "    parallel: " + parallel + "\n"
                + "    context: " + context + "\n"
                + "    threads: " + threads + "\n"
                + "    max_batch_tokens: " + maxBatchTokens + "\n"
                + "    max_queue: 64\n"
                + "    default: true\n";
    }

    /** {@code http://127.0.0.1:PORT/}. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + node.port() + "/");
    }

    /** Stops the node, letting generations drain until {@code deadline} (and flushing the snapshot writer). */
    public void shutdown(Duration deadline) {
        node.shutdown(deadline);
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(5));
    }
}
