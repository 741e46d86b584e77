package io.edgenode.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code edgenode serve --config CONFIG} as a child process (this test JVM's classpath), started
 * and awaited until {@code /ready}; stopped with SIGTERM ({@link #terminate}) or SIGKILL
 * ({@link #kill}); {@link #close} kills whatever is left.
 */
final class ChildNode implements AutoCloseable {
    private static final Pattern SERVING = Pattern.compile("serving on http://127\\.0\\.0\\.1:(\\d+)");

    final Process process;
    final URI base;
    final HttpClient client = HttpClient.newHttpClient();

    ChildNode(Path config, String... extraArgs) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Dedgenode.home=" + System.getProperty("edgenode.home"),
                "-cp", System.getProperty("java.class.path"), EdgenodeCli.class.getName(),
                "serve", "--config", config.toString()));
        command.addAll(List.of(extraArgs));
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        int port = -1;
        StringBuilder log = new StringBuilder();
        for (String line; port < 0 && (line = out.readLine()) != null; ) {
            log.append(line).append('\n');
            Matcher m = SERVING.matcher(line);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
            }
        }
        assertTrue(port > 0, "the node announced its port:\n" + log);
        Thread.ofVirtual().start(() -> {
            try {
                out.lines().forEach(l -> { }); // keep the pipe drained
            } catch (java.io.UncheckedIOException e) {
                // the child is gone
            }
        });
        base = URI.create("http://127.0.0.1:" + port);
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (client.send(HttpRequest.newBuilder(base.resolve("/ready")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
            assertTrue(System.nanoTime() < until, "ready in time");
            Thread.sleep(50);
        }
    }

    /** A models.yaml in {@code dir} serving the tiny synthetic model as {@code demo}, ephemeral port, data in dir/data. */
    static Path tinyConfig(Path dir, int parallel) throws java.io.IOException {
        Path models = Path.of("target", "test-node", "models").toAbsolutePath();
        java.nio.file.Files.createDirectories(models);
        return java.nio.file.Files.writeString(dir.resolve("models.yaml"), """
                server:
                  host: 127.0.0.1
                  port: 0
                  data_dir: data
                models:
                  - id: demo
                    path: %s
                    synthetic: {preset: tiny, quant: q8_0}
                    parallel: %d
                    context: 2048
                    threads: 1
                    default: true
                """.formatted(models.resolve("tiny-q8_0.gguf"), parallel));
    }

    HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** SIGKILL: no shutdown hook, no drain. */
    void kill() throws Exception {
        process.destroyForcibly();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    }

    /** SIGTERM, then the node must drain and exit 0. */
    void terminate() throws Exception {
        process.destroy();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue());
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
