package io.edgenode.bench.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load generator against a real node (the tiny synthetic model) with small counts. */
class LoadHarnessAgainstNodeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static RealNode node;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @TempDir
    Path out;

    @BeforeAll
    static void start() throws Exception {
        node = new RealNode();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    private int bench(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--out", out.toString()));
        return LoadBenchMain.run(new PrintStream(log, true, StandardCharsets.UTF_8), all.toArray(String[]::new));
    }

    @Test
    void shouldWriteAWellFormedReportAgainstARealNode() throws Exception {
        assertEquals(0, bench("--url", node.url(), "--model", RealNode.MODEL, "--concurrency", "1,2",
                "--requests", "4", "--max-tokens", "8", "--prompt-tokens", "48", "--warmup", "1"), log.toString());

        JsonNode report = JSON.readTree(out.resolve(LoadReport.JSON).toFile());
        assertEquals("edgenode-load-report", report.path("format").asText());
        assertEquals(8, report.path("workload").path("max_tokens").asInt());
        JsonNode ep = report.path("endpoints").get(0);
        assertEquals(RealNode.MODEL, ep.path("model").asText());
        assertTrue(ep.path("served_models").toString().contains(RealNode.MODEL));
        assertTrue(ep.path("prompt").path("calibrated").asBoolean(), "the node reports usage: " + ep);
        assertEquals(0, ep.path("warmup_errors").asInt(), ep.toString());

        JsonNode results = report.path("results");
        assertEquals(2, results.size());
        int[] levels = new int[2];
        for (int i = 0; i < 2; i++) {
            JsonNode level = results.get(i);
            levels[i] = level.path("concurrency").asInt();
            assertEquals(4, level.path("requests").asInt(), level.toString());
            assertEquals(4, level.path("ok").asInt(), level.toString());
            assertEquals(0, level.path("errors").size(), level.toString());
            assertEquals(0, level.path("short_outputs").asInt(), "ignore_eos gives exactly max_tokens");
            assertEquals(8.0, level.path("completion_tokens_mean").asDouble());
            // calibrated to the target within the rounding of one word (about 6 tokens on the byte vocabulary)
            assertEquals(48, level.path("prompt_tokens_mean").asDouble(), 12, level.toString());
            JsonNode ttft = level.path("ttft_ms");
            assertEquals(4, ttft.path("count").asInt());
            assertTrue(ttft.path("min").asDouble() > 0);
            assertTrue(ttft.path("p50").asDouble() <= ttft.path("p95").asDouble());
            assertTrue(ttft.path("p95").asDouble() <= ttft.path("p99").asDouble());
            assertTrue(ttft.path("p99").asDouble() <= ttft.path("max").asDouble());
            assertTrue(level.path("itl_ms").path("count").asInt() > 0);
            assertTrue(level.path("tokens_per_chunk").asDouble() >= 1.0, level.toString());
            assertTrue(level.path("e2e_ms").path("p50").asDouble() >= ttft.path("p50").asDouble());
            assertTrue(level.path("output_tok_s").path("median").asDouble() > 0);
            assertTrue(level.path("requests_s").path("median").asDouble() > 0);
            assertEquals(1, level.path("repeats").size());
            assertEquals(32, level.path("repeats").get(0).path("output_tokens").asInt());
        }
        assertArrayEquals(new int[] {1, 2}, levels);
        assertEquals(0, report.path("ratios").size(), "one endpoint: no ratios");

        List<String> lines = Files.readAllLines(out.resolve(LoadReport.REQUESTS));
        assertEquals(8, lines.size(), "warm-up and calibration are not measured requests");
        for (String line : lines) {
            JsonNode r = JSON.readTree(line);
            assertTrue(r.path("ok").asBoolean(), line);
            assertTrue(r.path("tokens_from_usage").asBoolean(), line);
            assertEquals(8, r.path("completion_tokens").asInt());
        }

        String md = Files.readString(out.resolve(LoadReport.MARKDOWN));
        assertTrue(md.contains("## 127.0.0.1:"), md);
        assertTrue(md.contains("| 2 | 4 | 4 | 0 |"), md);
        Set<String> charts = new HashSet<>();
        report.path("charts").forEach(c -> charts.add(c.asText()));
        assertEquals(Set.of(Charts.THROUGHPUT, Charts.TTFT), charts);
        for (String c : charts) {
            assertValidPng(out.resolve(c));
            assertTrue(md.contains("](" + c + ")"));
        }
    }

    @Test
    void shouldCompareTwoEndpointsInOneReport() throws Exception {
        assertEquals(0, bench("--url", node.url(), "--name", "ours", "--url", node.url(), "--name", "other",
                "--model", RealNode.MODEL, "--concurrency", "1", "--requests", "2", "--max-tokens", "8",
                "--prompt-tokens", "32", "--warmup", "0"), log.toString());
        JsonNode report = JSON.readTree(out.resolve(LoadReport.JSON).toFile());
        assertEquals(2, report.path("results").size());
        JsonNode ratios = report.path("ratios");
        Set<String> metrics = new HashSet<>();
        for (JsonNode r : ratios) {
            assertEquals("ours", r.path("ours").asText());
            assertEquals("other", r.path("other").asText());
            metrics.add(r.path("metric").asText());
            if (r.path("metric").asText().equals("output_tok_s_median")) {
                assertEquals(r.path("ours_value").asDouble() / r.path("other_value").asDouble(),
                        r.path("ratio").asDouble(), 1e-9);
            }
        }
        assertTrue(metrics.containsAll(List.of("output_tok_s_median", "ttft_p50_ms", "ttft_p95_ms", "e2e_p50_ms")),
                metrics.toString());
        assertTrue(Files.readString(out.resolve(LoadReport.MARKDOWN)).contains("## Ratios: ours / other"));
    }

    @Test
    void shouldReportEveryTurnOfMultiTurnConversations() throws Exception {
        assertEquals(0, bench("--url", node.url(), "--model", RealNode.MODEL, "--concurrency", "2", "--requests", "6",
                "--turns", "3", "--max-tokens", "8", "--prompt-tokens", "32", "--system-prompt-ratio", "0.25",
                "--warmup", "0"), log.toString());
        JsonNode report = JSON.readTree(out.resolve(LoadReport.JSON).toFile());
        JsonNode ep = report.path("endpoints").get(0);
        JsonNode level = report.path("results").get(0);
        assertEquals(6, level.path("ok").asInt(), level.toString());
        JsonNode turns = level.path("turns");
        assertEquals(3, turns.size());
        for (int t = 0; t < 3; t++) {
            assertEquals(t + 1, turns.get(t).path("turn").asInt());
            assertEquals(2, turns.get(t).path("requests").asInt());
            assertEquals(2, turns.get(t).path("ttft_ms").path("count").asInt());
        }
        // The node keeps sessions: the client sends only new messages, the node prepends the history
        // (the prompt grows) and reuses its KV (cached tokens grow too).
        assertTrue(ep.path("sessions").asBoolean(), ep.toString());
        double p1 = turns.get(0).path("prompt_tokens_mean").asDouble();
        double p3 = turns.get(2).path("prompt_tokens_mean").asDouble();
        assertTrue(p3 > p1 + 2 * 8, p1 + " -> " + p3);
        assertTrue(turns.get(2).path("cached_tokens_mean").asDouble() > p1, turns.toString());
        assertValidPng(out.resolve(Charts.TTFT_PER_TURN));
    }

    private static void assertValidPng(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, 8), file + " is a PNG");
        BufferedImage image = ImageIO.read(file.toFile());
        assertNotNull(image, file + " decodes");
        assertEquals(800, image.getWidth());
        assertEquals(500, image.getHeight());
    }
}
