package io.edgenode.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
        Path config = ChildNode.tinyConfig(dir, 1);
        try (ChildNode p = new ChildNode(config, "--shutdown-timeout", "30")) {
            HttpClient client = p.client;
            URI base = p.base;
            String body = "{\"model\":\"demo\",\"stream\":true,\"max_tokens\":1500,\"ignore_eos\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}";
            // ofInputStream completes at the headers: the stream is under way when SIGTERM comes.
            HttpResponse<java.io.InputStream> r = client.send(
                    HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            p.process.destroy(); // SIGTERM
            String streamed;
            try (var in = r.body()) {
                streamed = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(streamed.contains("\"finish_reason\":\"length\""), "the stream ran to its end");
            assertTrue(streamed.strip().endsWith("data: [DONE]"), streamed);
            assertTrue(p.process.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.process.exitValue());
        }
    }
}
