package io.edgenode.bench.http;

import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.server.config.NodeConfig;
import io.edgenode.server.config.NodeConfigReader;
import io.edgenode.server.http.HttpNode;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.node.LoadedModel;
import io.edgenode.server.node.ModelHost;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real node in this process (ModelHost + HttpNode on an ephemeral port of 127.0.0.1) serving
 * one model as {@link #MODEL_ID}, built from a models.yaml text as {@code edgenode serve} builds
 * it. The engine API path uses the same {@link LoadedModel}, so both paths share one engine, one
 * KV cache and one set of decode threads. Thread-safe after construction.
 */
final class BenchNode implements AutoCloseable {
    static final String MODEL_ID = "bench";

    final String yaml;
    final ModelHost host;
    final HttpNode node;
    final LoadedModel model;
    final ServerMetrics metrics = new ServerMetrics();

    BenchNode(Path modelPath, int parallel, int context, int threads, int maxBatchTokens) throws Exception {
        Path dir = Files.createTempDirectory("edgenode-http-bench");
        yaml = "server:\n  host: 127.0.0.1\n  port: 0\n  data_dir: data\n"
                + "models:\n"
                + "  - id: " + MODEL_ID + "\n"
                + "    path: " + modelPath.toAbsolutePath() + "\n"
                + "    parallel: " + parallel + "\n"
                + "    context: " + context + "\n"
                + "    threads: " + threads + "\n"
                + "    max_batch_tokens: " + maxBatchTokens + "\n"
                + "    max_queue: 64\n"
                + "    default: true\n";
        NodeConfig config = NodeConfigReader.parse(yaml, dir, "http-bench.yaml");
        host = new ModelHost(LlamaLibrary.load(), config);
        host.startLoading();
        node = HttpNode.start(config.server(), host, metrics);
        if (!host.awaitReady(Duration.ofSeconds(120))) {
            node.shutdown(Duration.ZERO);
            throw new IOException("model did not load: " + host.failure(MODEL_ID).orElse("timeout"));
        }
        model = host.loaded(MODEL_ID).orElseThrow();
    }

    /**
     * {@code [sum seconds, count]} of the node's {@code edgenode_time_to_first_token_seconds}: the
     * engine's own TTFT ({@code Usage.timeToFirstTokenNanos}) of the requests served over HTTP.
     */
    double[] httpEngineTtft() {
        double sum = 0;
        double count = 0;
        for (String line : new String(metrics.scrape(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("edgenode_time_to_first_token_seconds_sum")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("edgenode_time_to_first_token_seconds_count")) {
                count += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return new double[] {sum, count};
    }

    URI baseUri() {
        return URI.create("http://127.0.0.1:" + node.port() + "/");
    }

    @Override
    public void close() {
        node.shutdown(Duration.ofSeconds(5));
    }
}
