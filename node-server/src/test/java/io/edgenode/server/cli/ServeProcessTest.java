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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code edgenode serve} as a child process: it serves, and SIGTERM drains an in-flight stream and exits 0. */
@Timeout(120)
class ServeProcessTest {
    @TempDir
    Path dir;

    @Test
    void shouldDrainAndExitZeroOnSigterm() throws Exception {
        Path models = Path.of("target", "test-node", "models").toAbsolutePath();
        Files.createDirectories(models);
        Path config = Files.writeString(dir.resolve("models.yaml"), """
                server:
                  host: 127.0.0.1
                  port: 0
                  data_dir: data
                models:
                  - id: demo
                    path: %s
                    synthetic: {preset: tiny, quant: q8_0}
                    parallel: 1
                    context: 2048
                    threads: 1
                    default: true
                """.formatted(models.resolve("tiny-q8_0.gguf")));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-Dedgenode.home=" + System.getProperty("edgenode.home"),
                "-cp", System.getProperty("java.class.path"), EdgenodeCli.class.getName(),
                "serve", "--config", config.toString(), "--shutdown-timeout", "30")
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Pattern serving = Pattern.compile("serving on http://127\\.0\\.0\\.1:(\\d+)");
            int port = -1;
            StringBuilder log = new StringBuilder();
            for (String line; port < 0 && (line = out.readLine()) != null; ) {
                log.append(line).append('\n');
                Matcher m = serving.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            assertTrue(port > 0, "the node announced its port:\n" + log);
            Thread.ofVirtual().start(() -> out.lines().forEach(l -> { })); // keep the pipe drained
            HttpClient client = HttpClient.newHttpClient();
            URI base = URI.create("http://127.0.0.1:" + port);
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (client.send(HttpRequest.newBuilder(base.resolve("/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
                assertTrue(System.nanoTime() < until, "ready in time");
                Thread.sleep(50);
            }
            String body = "{\"model\":\"demo\",\"stream\":true,\"max_tokens\":1500,\"ignore_eos\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}";
            // ofInputStream completes at the headers: the stream is under way when SIGTERM comes.
            HttpResponse<java.io.InputStream> r = client.send(
                    HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            p.destroy(); // SIGTERM
            String streamed;
            try (var in = r.body()) {
                streamed = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(streamed.contains("\"finish_reason\":\"length\""), "the stream ran to its end");
            assertTrue(streamed.strip().endsWith("data: [DONE]"), streamed);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }
}
