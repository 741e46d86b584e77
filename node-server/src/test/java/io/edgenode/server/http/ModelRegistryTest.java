package io.edgenode.server.http;

import io.edgenode.server.testing.Eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.QuantType;
import io.edgenode.core.llama.SyntheticModels;
import io.edgenode.server.config.NodeConfigReader;
import io.edgenode.server.node.ModelMemory;
import io.edgenode.store.synth.ModelPreset;
import io.edgenode.store.synth.SyntheticModelBuilder;
import java.time.Duration;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The model registry through the HTTP API: on-demand loads, the memory budget, keep-alive, fallbacks, admin. */
@Timeout(180)
class ModelRegistryTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path TINY = TestNode.DIR.resolve("models/tiny-q8_0.gguf");

    @BeforeAll
    static void tinyFile() throws Exception {
        // Created once here, so that tests measure its memory before any node loads it.
        if (!Files.isRegularFile(TINY)) {
            SyntheticModels.write(LlamaLibrary.load(), ModelPreset.TINY, QuantType.Q8_0,
                    SyntheticModelBuilder.DEFAULT_SEED, null, TINY, 0);
        }
    }

    /** A tiny model loaded on demand; {@code extra}: more keys, each line indented by 4. */
    static String tiny(String id, int parallel, int context, int maxQueue, String extra) {
        return "  - id: " + id + "\n"
                + "    path: " + TINY + "\n"
                + "    parallel: " + parallel + "\n"
                + "    context: " + context + "\n"
                + "    threads: 1\n"
                + "    max_batch_tokens: 64\n"
                + "    max_queue: " + maxQueue + "\n"
                + "    preload: false\n"
                + extra;
    }

    /** The registry's estimate for a model item, as the node computes it. */
    static long estimate(String modelItem) throws Exception {
        var config = NodeConfigReader.parse("models:\n" + modelItem, TestNode.DIR, "estimate.yaml");
        return ModelMemory.of(TINY, config.models().getFirst()).totalBytes();
    }

    static String chat(String model, int maxTokens) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":" + maxTokens + ",\"temperature\":0,\"ignore_eos\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
    }

    static JsonNode models(TestNode node) throws Exception {
        return JSON.readTree(node.get("/v1/models").body());
    }

    static String status(TestNode node, String id) throws Exception {
        for (JsonNode m : models(node).get("data")) {
            if (m.get("id").asText().equals(id)) {
                return m.get("status").asText();
            }
        }
        throw new AssertionError("no model " + id);
    }

    static void awaitStatus(TestNode node, String id, String wanted, long timeoutMillis) throws Exception {
        Eventually.until(Duration.ofMillis(timeoutMillis), id + " becomes " + wanted, () -> {
            try {
                return status(node, id).equals(wanted);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void shouldLoadOnFirstRequestAndEvictTheIdleModelWhenAnotherNeedsItsRoom() throws Exception {
        String a = tiny("a", 2, 512, 8, "");
        String b = tiny("b", 2, 512, 8, "");
        long budget = estimate(a) * 3 / 2; // room for one, not two
        try (TestNode node = new TestNode(a + b, "  memory_budget: " + budget + "\n")) {
            assertEquals("available", status(node, "a"));
            assertEquals("available", status(node, "b"));

            HttpResponse<String> r = node.post("/v1/chat/completions", chat("a", 4));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("a", JSON.readTree(r.body()).get("model").asText());
            assertEquals("loaded", status(node, "a"));
            assertTrue(models(node).at("/data/0/created").asLong() > 0, "created is the load time");

            r = node.post("/v1/chat/completions", chat("b", 4));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("b", JSON.readTree(r.body()).get("model").asText());
            assertEquals("available", status(node, "a"), "a was evicted to make room for b");
            assertEquals("loaded", status(node, "b"));
        }
    }

    @Test
    void shouldRefuseAModelThatCannotFitWithTheNumbers() throws Exception {
        String a = tiny("a", 2, 512, 8, "");
        long budget = estimate(a) / 2;
        try (TestNode node = new TestNode(a, "  memory_budget: " + budget + "\n")) {
            HttpResponse<String> r = node.post("/v1/chat/completions", chat("a", 4));
            assertEquals(503, r.statusCode(), r.body());
            String message = JSON.readTree(r.body()).at("/error/message").asText();
            long neededMib = (estimate(a) + (1 << 20) - 1) >> 20;
            long budgetMib = (budget + (1 << 20) - 1) >> 20;
            assertTrue(message.contains("model a needs " + neededMib + " MiB but the memory budget is " + budgetMib
                    + " MiB with 0 MiB in use by no model"), message);
            assertEquals("failed", status(node, "a"));
            assertTrue(models(node).at("/data/0/error").asText().contains("memory budget"));
        }
    }

    @Test
    void shouldServeFromTheFallbackWhenThePrimaryIsOverloaded() throws Exception {
        String primary = tiny("primary", 1, 4096, 1, "    fallbacks: [backup]\n");
        String backup = tiny("backup", 2, 512, 8, "");
        try (TestNode node = new TestNode(primary + backup)) {
            // one running and one queued: the primary's queue (1) is full
            List<CompletableFuture<HttpResponse<String>>> long_ = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                long_.add(node.client.sendAsync(HttpRequest.newBuilder(node.uri("/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(chat("primary", 1200))).build(),
                        HttpResponse.BodyHandlers.ofString()));
                boolean running = i == 0;
                Eventually.until(Duration.ofSeconds(60), running ? "the first runs" : "the second queues",
                        () -> node.host.loaded("primary").map(m -> running ? m.engine().metrics().activeSequences() >= 1
                                : m.engine().metrics().queueDepth() >= 1).orElse(false));
            }
            HttpResponse<String> r = node.post("/v1/chat/completions", chat("primary", 4));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("backup", JSON.readTree(r.body()).get("model").asText(), "the fallback served");
            for (var f : long_) {
                HttpResponse<String> done = f.get();
                assertEquals(200, done.statusCode(), done.body());
                assertEquals("primary", JSON.readTree(done.body()).get("model").asText());
            }
        }
    }

    @Test
    void shouldServeFromTheFallbackWhenThePrimaryCannotLoadOrCannotFit() throws Exception {
        String broken = "  - id: broken\n    path: models/never-there.gguf\n    preload: false\n    fallbacks: [backup]\n";
        String huge = tiny("huge", 8, 65536, 8, "    fallbacks: [backup]\n");
        String backup = tiny("backup", 2, 512, 8, "");
        long budget = estimate(backup) * 3 / 2; // backup fits, huge (64 K cells of KV) does not
        try (TestNode node = new TestNode(broken + huge + backup, "  memory_budget: " + budget + "\n")) {
            for (String primary : List.of("broken", "huge")) {
                HttpResponse<String> r = node.post("/v1/chat/completions", chat(primary, 4));
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("backup", JSON.readTree(r.body()).get("model").asText(), primary + " fell back");
                assertEquals("failed", status(node, primary));
            }
        }
    }

    @Test
    void shouldMakeRequestsWaitForAModelThatIsLoadingAndServeThemAll() throws Exception {
        try (TestNode node = new TestNode(tiny("lazy", 4, 1024, 16, ""))) {
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                all.add(node.client.sendAsync(HttpRequest.newBuilder(node.uri("/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(chat("lazy", 6))).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (var f : all) {
                HttpResponse<String> r = f.get();
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(6, JSON.readTree(r.body()).at("/usage/completion_tokens").asInt());
            }
            assertEquals("loaded", status(node, "lazy"));
        }
    }

    @Test
    void shouldUnloadAnIdleModelAfterItsKeepAlive() throws Exception {
        try (TestNode node = new TestNode(tiny("brief", 2, 512, 8, "    keep_alive: 1s\n"))) {
            assertEquals(200, node.post("/v1/chat/completions", chat("brief", 4)).statusCode());
            long served = System.nanoTime();
            assertEquals("loaded", status(node, "brief"));
            awaitStatus(node, "brief", "available", 15_000);
            assertTrue(System.nanoTime() - served >= 900_000_000L, "not before its keep-alive");
            // and it comes back on the next request
            assertEquals(200, node.post("/v1/chat/completions", chat("brief", 4)).statusCode());
        }
    }

    @Test
    void shouldLoadAndUnloadThroughTheAdminEndpoints() throws Exception {
        try (TestNode node = new TestNode(tiny("m", 2, 512, 8, ""))) {
            HttpResponse<String> r = node.post("/admin/models/m/load", "");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("loaded", JSON.readTree(r.body()).get("status").asText());
            assertEquals("loaded", status(node, "m"));

            r = node.post("/admin/models/m/unload", "");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("available", JSON.readTree(r.body()).get("status").asText());
            assertEquals("available", status(node, "m"));

            assertEquals(404, node.post("/admin/models/nope/load", "").statusCode());
            assertEquals(405, node.get("/admin/models/m/load").statusCode());
            assertEquals(404, node.post("/admin/models/m/explode", "").statusCode());
        }
    }

    @Test
    void shouldApplyTheModelsSamplingDefaultsToWhatTheRequestLeavesOut() throws Exception {
        try (TestNode node = new TestNode(tiny("short", 2, 512, 8, "    sampling: {temperature: 0, max_tokens: 5}\n"))) {
            String noLimit = "{\"model\":\"short\",\"ignore_eos\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
            HttpResponse<String> r = node.post("/v1/chat/completions", noLimit);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(5, JSON.readTree(r.body()).at("/usage/completion_tokens").asInt());
            // temperature 0 from the model: greedy, so the same text twice
            assertEquals(JSON.readTree(r.body()).at("/choices/0/message/content").asText(), JSON.readTree(
                    node.post("/v1/chat/completions", noLimit).body()).at("/choices/0/message/content").asText());
            String explicit = noLimit.replace("\"ignore_eos\"", "\"max_tokens\":7,\"ignore_eos\"");
            assertEquals(7, JSON.readTree(node.post("/v1/chat/completions", explicit).body())
                    .at("/usage/completion_tokens").asInt(), "the request's own value wins");
        }
    }

    @Test
    void shouldRouteAutoToTheSmallestModelThatFitsAndLongPromptsToTheLargeOne() throws Exception {
        String small = tiny("small", 1, 64, 8, "");
        String medium = tiny("medium", 1, 1024, 8, "    kv_type: q8_0\n");
        String large = tiny("large", 1, 2048, 8, "");
        String routing = "  routing: {auto_large_model: large, auto_large_threshold_tokens: 300}\n";
        try (TestNode node = new TestNode(small + medium + large, routing)) {
            HttpResponse<String> r = node.post("/v1/chat/completions", chat("auto", 4));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("small", JSON.readTree(r.body()).get("model").asText());

            String words = "word ".repeat(30); // ~150 byte tokens: over small's 64, under the threshold
            r = node.post("/v1/chat/completions", chat("auto", 4).replace("Hello there", words));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("medium", JSON.readTree(r.body()).get("model").asText());

            String many = "word ".repeat(80); // ~400 tokens: over the threshold
            r = node.post("/v1/chat/completions", chat("auto", 4).replace("Hello there", many));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("large", JSON.readTree(r.body()).get("model").asText());
        }
    }
}
