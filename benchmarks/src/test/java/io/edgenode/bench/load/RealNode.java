package io.edgenode.bench.load;

import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.server.config.NodeConfig;
import io.edgenode.server.config.NodeConfigReader;
import io.edgenode.server.http.HttpNode;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.node.ModelHost;
import io.edgenode.server.session.SessionService;
import io.edgenode.server.session.SessionSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** A real node in this process on an ephemeral port of 127.0.0.1, serving the tiny synthetic model as "tiny". */
final class RealNode implements AutoCloseable {
    static final String MODEL = "tiny";
    private static final Path DIR = Path.of("target", "test-node").toAbsolutePath();

    private final HttpNode node;

    RealNode() throws Exception {
        String yaml = "server:\n  host: 127.0.0.1\n  port: 0\n  data_dir: data\n"
                + "models:\n"
                + "  - id: " + MODEL + "\n"
                + "    path: models/tiny-q8_0.gguf\n"
                + "    synthetic: {preset: tiny, quant: q8_0}\n"
                + "    parallel: 2\n"
                + "    context: 2048\n"
                + "    threads: 1\n"
                + "    max_batch_tokens: 256\n"
                + "    max_queue: 64\n"
                + "    default: true\n";
        NodeConfig config = NodeConfigReader.parse(yaml, DIR, "bench-test.yaml");
        ModelHost host = new ModelHost(LlamaLibrary.load(), config);
        host.startLoading();
        // With sessions, so multi-turn runs take the session path (session_id, only new messages).
        SessionService sessions = SessionService.start(SessionSettings.defaults(
                java.nio.file.Files.createTempDirectory("edgenode-bench-test")));
        node = HttpNode.start(config.server(), host, new ServerMetrics(), sessions);
        if (!host.awaitReady(Duration.ofSeconds(120))) {
            node.shutdown(Duration.ZERO);
            throw new IOException("model did not load: " + host.failure(MODEL).orElse("timeout"));
        }
    }

    String url() {
        return "http://127.0.0.1:" + node.port();
    }

    @Override
    public void close() {
        node.shutdown(Duration.ofSeconds(5));
    }
}
