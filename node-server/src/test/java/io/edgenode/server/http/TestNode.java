package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.server.config.NodeConfig;
import io.edgenode.server.config.NodeConfigReader;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.node.ModelHost;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** A real node on an ephemeral port, serving a synthetic tiny model, with a java.net.http client. */
final class TestNode implements AutoCloseable {
    static final Path DIR = Path.of("target", "test-node").toAbsolutePath();

    final ModelHost host;
    final HttpNode node;
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    TestNode(String yamlModels) throws Exception {
        this(yamlModels, "");
    }

    /** {@code yamlModels}: the {@code models:} list items; {@code serverExtra}: extra {@code server:} keys. */
    TestNode(String yamlModels, String serverExtra) throws Exception {
        this(yamlModels, serverExtra, null);
    }

    /** With sessions kept under {@code sessions.dataDir()} (null: none). */
    TestNode(String yamlModels, String serverExtra, io.edgenode.server.session.SessionSettings sessions)
            throws Exception {
        this(yamlModels, serverExtra, sessions, ex -> { });
    }

    /** With {@code observer} seeing every exchange as it begins (on its event loop). */
    TestNode(String yamlModels, String serverExtra, io.edgenode.server.session.SessionSettings sessions,
            java.util.function.Consumer<HttpExchange> observer) throws Exception {
        this(yamlModels, serverExtra, sessions, null, observer);
    }

    /** With vector indexes served by {@code memory} (null: none); the node closes it. */
    TestNode(String yamlModels, String serverExtra, io.edgenode.server.session.SessionSettings sessions,
            io.edgenode.server.memory.MemoryService memory, java.util.function.Consumer<HttpExchange> observer)
            throws Exception {
        String yaml = "server:\n  host: 127.0.0.1\n  port: 0\n  data_dir: data\n" + serverExtra + "models:\n" + yamlModels;
        NodeConfig config = NodeConfigReader.parse(yaml, DIR, "test.yaml");
        host = new ModelHost(LlamaLibrary.load(), config);
        ServerMetrics metrics = new ServerMetrics();
        for (var m : config.models()) {
            metrics.registerEngine(m.id(), () -> host.loaded(m.id()).map(l -> l.engine().metrics())
                    .orElse(new io.edgenode.core.engine.EngineMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
        }
        host.startLoading();
        node = HttpNode.start(config.server(), host, metrics,
                sessions == null ? null : io.edgenode.server.session.SessionService.start(sessions), memory, observer);
        assertTrue(host.awaitReady(Duration.ofSeconds(60)), "models ready");
    }

    /** The tiny synthetic model (created on first start), as a models.yaml item. */
    static String tinyModel(String id, int parallel, int context, int maxQueue) {
        return "  - id: " + id + "\n"
                + "    path: models/tiny-q8_0.gguf\n"
                + "    synthetic: {preset: tiny, quant: q8_0}\n"
                + "    parallel: " + parallel + "\n"
                + "    context: " + context + "\n"
                + "    threads: 1\n"
                + "    max_batch_tokens: 128\n"
                + "    max_queue: " + maxQueue + "\n"
                + "    default: true\n";
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + node.port() + path);
    }

    HttpResponse<String> post(String path, String json) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postBytes(String path, byte[] body) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> delete(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    io.edgenode.core.engine.EngineMetrics engineMetrics(String model) {
        return host.loaded(model).orElseThrow().engine().metrics();
    }

    @Override
    public void close() {
        node.shutdown(Duration.ofSeconds(5));
    }
}
