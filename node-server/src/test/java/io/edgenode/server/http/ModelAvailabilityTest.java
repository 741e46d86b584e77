package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.server.config.NodeConfig;
import io.edgenode.server.config.NodeConfigReader;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.node.ModelHost;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class ModelAvailabilityTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldServeTheSharedThirdPartyModelThroughTheChatMlFallback() throws Exception {
        Path shared = Path.of(System.getProperty("edgenode.home", ".")).resolve("../shared/models/llama-2-tiny-random.gguf")
                .normalize();
        assumeTrue(Files.isRegularFile(shared), "../shared/models/llama-2-tiny-random.gguf not present");
        String model = "  - id: llama2-tiny\n    path: " + shared + "\n    parallel: 2\n    context: 512\n    threads: 1\n";
        try (TestNode node = new TestNode(model)) {
            assertTrue(node.host.loaded("llama2-tiny").orElseThrow().template().isFallback(), "no template in the GGUF");
            HttpResponse<String> r = node.post("/v1/chat/completions", "{\"model\":\"llama2-tiny\",\"max_tokens\":8,"
                    + "\"temperature\":0,\"ignore_eos\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
            assertEquals(200, r.statusCode(), r.body());
            JsonNode b = JSON.readTree(r.body());
            assertEquals(8, b.at("/usage/completion_tokens").asInt());
            // "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n" is plain text to Llama 2's
            // vocabulary: many more tokens than the message alone, which proves the template ran.
            assertTrue(b.at("/usage/prompt_tokens").asInt() > 10, r.body());
        }
    }

    @Test
    void shouldStayUnreadyAndSayWhyWhenTheDefaultModelCannotLoad() throws Exception {
        String yaml = "server:\n  host: 127.0.0.1\n  port: 0\nmodels:\n  - id: ghost\n    path: models/missing.gguf\n"
                + "    default: true\n";
        NodeConfig config = NodeConfigReader.parse(yaml, TestNode.DIR, "ghost.yaml");
        ModelHost host = new ModelHost(LlamaLibrary.load(), config);
        host.startLoading();
        HttpNode node = HttpNode.start(config.server(), host, new ServerMetrics());
        try {
            assertTrue(!host.awaitReady(Duration.ofSeconds(30)));
            HttpClient client = HttpClient.newHttpClient();
            URI base = URI.create("http://127.0.0.1:" + node.port());
            HttpResponse<String> ready = client.send(HttpRequest.newBuilder(base.resolve("/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, ready.statusCode());
            assertTrue(ready.headers().firstValue("retry-after").isPresent());
            HttpResponse<String> chat = client.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"ghost\",\"messages\":[{\"role\":\"user\","
                            + "\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
            // 503, not 500: the node is fine, this model is unavailable (each request tries the load again)
            assertEquals(503, chat.statusCode(), chat.body());
            assertTrue(chat.body().contains("failed to load") && chat.body().contains("does not exist"), chat.body());
            JsonNode models = JSON.readTree(client.send(HttpRequest.newBuilder(base.resolve("/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertEquals("failed", models.at("/data/0/status").asText());
            assertTrue(models.at("/data/0/error").asText().contains("does not exist"), models.toString());
            assertEquals(200, client.send(HttpRequest.newBuilder(base.resolve("/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), "alive though not ready");
        } finally {
            node.shutdown(Duration.ofSeconds(2));
        }
    }
}
