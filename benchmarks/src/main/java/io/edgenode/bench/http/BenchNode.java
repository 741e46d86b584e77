package io.edgenode.bench.http;

import io.edgenode.bench.common.LocalNode;
import io.edgenode.server.node.LoadedModel;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real node in this process ({@link LocalNode}) serving one model as {@link #MODEL_ID}. The engine
 * API path uses the same {@link LoadedModel}, so both paths share one engine, one KV cache and one
 * set of decode threads. Thread-safe after construction.
 */
final class BenchNode implements AutoCloseable {
    static final String MODEL_ID = "bench";

    final LocalNode local;
    final LoadedModel model;

    BenchNode(Path modelPath, int parallel, int context, int threads, int maxBatchTokens) throws Exception {
        local = new LocalNode(LocalNode.model(MODEL_ID, modelPath.toAbsolutePath().toString(), parallel, context,
                threads, maxBatchTokens), Files.createTempDirectory("edgenode-http-bench"), null, Duration.ofSeconds(120));
        model = local.host.loaded(MODEL_ID).orElseThrow();
    }

    /**
     * {@code [sum seconds, count]} of the node's {@code edgenode_time_to_first_token_seconds}: the
     * engine's own TTFT ({@code Usage.timeToFirstTokenNanos}) of the requests served over HTTP.
     */
    double[] httpEngineTtft() {
        double sum = 0;
        double count = 0;
        for (String line : new String(local.metrics.scrape(), StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("edgenode_time_to_first_token_seconds_sum")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("edgenode_time_to_first_token_seconds_count")) {
                count += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return new double[] {sum, count};
    }

    URI baseUri() {
        return local.baseUri();
    }

    @Override
    public void close() {
        local.close();
    }
}
