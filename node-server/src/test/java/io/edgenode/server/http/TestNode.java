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
    /** Rate-limit buckets of gateway test nodes never refill: their headers are exact. */
    static final long FROZEN_NANOS = 1_000_000_000L;

    final ModelHost host;
    final HttpNode node;
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The node's gateway when started {@link #withGateway}, else null. */
    io.edgenode.server.gateway.Gateway gateway;
    ServerMetrics metrics;

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
        this(yamlModels, serverExtra, sessions, memory, observer, null, null);
    }

    /**
     * A node behind a real gateway: {@code gatewayYaml} is the {@code gateway:} section's body
     * (indented by two spaces, may be empty), its keys and ledger in {@code <dataDir>/gateway.db}.
     */
    static TestNode withGateway(String yamlModels, String gatewayYaml, Path dataDir,
            io.edgenode.server.session.SessionSettings sessions) throws Exception {
        return new TestNode(yamlModels, "", sessions, null, ex -> { }, gatewayYaml, dataDir);
    }

    private TestNode(String yamlModels, String serverExtra, io.edgenode.server.session.SessionSettings sessions,
            io.edgenode.server.memory.MemoryService memory, java.util.function.Consumer<HttpExchange> observer,
            String gatewayYaml, Path gatewayDir) throws Exception {
        String yaml = "server:\n  host: 127.0.0.1\n  port: 0\n  data_dir: data\n" + serverExtra + "models:\n" + yamlModels
                + (gatewayYaml == null || gatewayYaml.isBlank() ? "" : "gateway:\n" + gatewayYaml);
        NodeConfig config = NodeConfigReader.parse(yaml, DIR, "test.yaml");
        host = new ModelHost(LlamaLibrary.load(), config);
        ServerMetrics metrics = new ServerMetrics();
        for (var m : config.models()) {
            metrics.registerEngine(m.id(), () -> host.loaded(m.id()).map(l -> l.engine().metrics())
                    .orElse(new io.edgenode.core.engine.EngineMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
        }
        host.startLoading();
        var sessionService = sessions == null ? null : io.edgenode.server.session.SessionService.start(sessions);
        if (gatewayDir == null) {
            node = HttpNode.start(config.server(), host, metrics, sessionService, memory, observer);
        } else {
            gateway = io.edgenode.server.gateway.Gateway.open(gatewayDir, config.gateway(), metrics.registry(),
                    sessionService != null ? sessionService.digests()
                            : new io.edgenode.server.session.ModelDigests(gatewayDir), host::spec,
                    new io.edgenode.server.gateway.NanoTimeMeter(() -> FROZEN_NANOS));
            node = HttpNode.start(config.server(), host, metrics, sessionService, memory, gateway, observer);
        }
        this.metrics = metrics;
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

    HttpResponse<String> delete(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).DELETE();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> delete(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** POST with extra headers (name, value, name, value, ...). */
    HttpResponse<String> post(String path, String json, String... headers) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").headers(headers)
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** GET with extra headers (name, value, ...). */
    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
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
