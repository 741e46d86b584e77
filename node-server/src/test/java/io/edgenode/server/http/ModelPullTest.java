package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models with a {@code source}: downloaded from a real local HTTP server (serving the synthetic
 * tiny GGUF slowly, in chunks) on first request or through {@code GET /admin/models/{id}/pull}.
 */
@Timeout(180)
class ModelPullTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static HttpServer files;
    static byte[] gguf;
    static String sha256;

    @TempDir
    Path dir;

    @BeforeAll
    static void serveTheTinyModel() throws Exception {
        ModelRegistryTest.tinyFile();
        gguf = Files.readAllBytes(ModelRegistryTest.TINY);
        sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(gguf));
        files = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        files.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        files.createContext("/files/", exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(200, gguf.length);
                try (OutputStream body = exchange.getResponseBody()) {
                    // 16 chunks, 40 ms apart: slow enough to be seen downloading
                    int chunk = gguf.length / 16 + 1;
                    for (int off = 0; off < gguf.length; off += chunk) {
                        body.write(gguf, off, Math.min(chunk, gguf.length - off));
                        body.flush();
                        Thread.sleep(40);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        files.start();
    }

    @AfterAll
    static void stop() {
        files.stop(0);
    }

    private String remote(String id, String checksum) {
        return "  - id: " + id + "\n"
                + "    source: http://127.0.0.1:" + files.getAddress().getPort() + "/files/tiny.gguf\n"
                + "    sha256: " + checksum + "\n"
                + "    path: " + dir.resolve(id + ".gguf") + "\n"
                + "    parallel: 2\n    context: 512\n    threads: 1\n    max_batch_tokens: 64\n    preload: false\n";
    }

    @Test
    void shouldDownloadAMissingModelOnItsFirstRequestThenServeIt() throws Exception {
        try (TestNode node = new TestNode(remote("remote", sha256))) {
            assertEquals("available", ModelRegistryTest.status(node, "remote"));
            HttpResponse<String> r = node.post("/v1/chat/completions", ModelRegistryTest.chat("remote", 4));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("remote", JSON.readTree(r.body()).get("model").asText());
            assertEquals(sha256, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(dir.resolve("remote.gguf")))));
            assertEquals("loaded", ModelRegistryTest.status(node, "remote"));
        }
    }

    @Test
    void shouldStreamPullProgressAndShowTheDownloadInTheModelList() throws Exception {
        try (TestNode node = new TestNode(remote("remote", sha256))) {
            CompletableFuture<HttpResponse<String>> pull = node.client.sendAsync(
                    HttpRequest.newBuilder(node.uri("/admin/models/remote/pull")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            double seen = -1;
            long until = System.currentTimeMillis() + 30_000;
            while (seen < 0 && !pull.isDone()) {
                for (JsonNode m : ModelRegistryTest.models(node).get("data")) {
                    if (m.get("status").asText().equals("downloading")) {
                        seen = m.get("progress").asDouble();
                    }
                }
                assertTrue(System.currentTimeMillis() < until);
                Thread.sleep(20);
            }
            assertTrue(seen >= 0 && seen <= 1, "listed as downloading with its progress");

            HttpResponse<String> r = pull.get();
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
            List<JsonNode> events = new ArrayList<>();
            for (String line : r.body().lines().filter(l -> l.startsWith("data: ")).toList()) {
                events.add(JSON.readTree(line.substring(6)));
            }
            assertEquals("starting", events.getFirst().get("state").asText(), r.body());
            assertTrue(events.stream().anyMatch(e -> e.get("state").asText().equals("downloading")
                    && e.get("bytes").asLong() > 0 && e.get("total").asLong() == gguf.length), r.body());
            JsonNode last = events.getLast();
            assertEquals("done", last.get("state").asText(), r.body());
            assertEquals(gguf.length, last.get("bytes").asLong());
            assertEquals(1.0, last.get("progress").asDouble());
            assertEquals("available", ModelRegistryTest.status(node, "remote"), "pulled, not loaded");

            // already there: one final event at once
            HttpResponse<String> again = node.get("/admin/models/remote/pull");
            assertEquals(1, again.body().lines().filter(l -> l.startsWith("data: ")).count(), again.body());
            assertTrue(again.body().contains("\"state\":\"done\""), again.body());
            assertEquals(200, node.post("/v1/chat/completions", ModelRegistryTest.chat("remote", 4)).statusCode());
        }
    }

    @Test
    void shouldRefuseAndKeepNothingWhenTheChecksumDiffers() throws Exception {
        try (TestNode node = new TestNode(remote("tampered", "0".repeat(64)))) {
            HttpResponse<String> r = node.post("/v1/chat/completions", ModelRegistryTest.chat("tampered", 4));
            assertEquals(503, r.statusCode(), r.body());
            String message = JSON.readTree(r.body()).at("/error/message").asText();
            assertTrue(message.contains("download from") && message.contains("sha256"), message);
            assertFalse(Files.exists(dir.resolve("tampered.gguf")));
            assertEquals("failed", ModelRegistryTest.status(node, "tampered"));
        }
    }
}
