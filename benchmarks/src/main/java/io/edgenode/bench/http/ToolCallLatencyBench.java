package io.edgenode.bench.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.bench.common.LocalNode;
import io.edgenode.bench.common.Stats;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Time from request to the first tool-call delta, against the first streamed byte and the whole
 * response, on a node in this process: {@code rounds} streamed chat requests (one at a time, a
 * fresh prompt each round so no prefix cache serves it), each alternating {@code tool_choice}
 * {@code required} (grammar-forced call) with a plain request of the same length for comparison.
 *
 * <pre>
 * java -cp benchmarks.jar io.edgenode.bench.http.ToolCallLatencyBench MODEL.gguf TEMPLATE.jinja [rounds] [threads]
 * </pre>
 *
 * Calls stream whole (the parser gives a call once it is complete), so the first tool-call delta
 * comes when the first call's arguments close: the figure is prefill + the call's tokens.
 */
public final class ToolCallLatencyBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":"
            + "{\"type\":\"object\",\"properties\":{\"unit\":{\"enum\":[\"c\",\"f\"]},\"days\":{\"type\":\"integer\","
            + "\"minimum\":1,\"maximum\":14}},\"required\":[\"unit\",\"days\"],\"additionalProperties\":false}}}]";

    private ToolCallLatencyBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ToolCallLatencyBench MODEL.gguf TEMPLATE.jinja [rounds] [threads]");
            System.exit(2);
        }
        Path model = Path.of(args[0]).toAbsolutePath();
        Path template = Path.of(args[1]).toAbsolutePath();
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        Path dir = Files.createTempDirectory("tool-latency");
        String yaml = LocalNode.model("bench", model.toString(), 2, 4096, threads, 256)
                + "    chat_template_file: " + template + "\n";
        List<Double> toolFirstByte = new ArrayList<>();
        List<Double> toolFirstCall = new ArrayList<>();
        List<Double> toolTotal = new ArrayList<>();
        List<Double> plainFirstByte = new ArrayList<>();
        List<Double> plainFirstContent = new ArrayList<>();
        try (LocalNode node = new LocalNode(yaml, dir, null, Duration.ofMinutes(2))) {
            HttpClient client = HttpClient.newHttpClient();
            URI uri = node.baseUri().resolve("/v1/chat/completions");
            for (int round = 0; round < rounds + 1; round++) { // round 0 warms up
                String question = "Round " + round + " " + Long.toHexString(System.nanoTime()) + ": weather in Paris?";
                double[] tool = run(client, uri, "{\"model\":\"bench\",\"stream\":true,\"max_tokens\":300,"
                        + "\"temperature\":0,\"tools\":" + TOOLS + ",\"tool_choice\":\"required\","
                        + "\"parallel_tool_calls\":false,\"messages\":[{\"role\":\"user\",\"content\":\"" + question
                        + "\"}]}", "tool_calls");
                double[] plain = run(client, uri, "{\"model\":\"bench\",\"stream\":true,\"max_tokens\":16,"
                        + "\"temperature\":0,\"tools\":" + TOOLS + ",\"tool_choice\":\"none\",\"messages\":"
                        + "[{\"role\":\"user\",\"content\":\"" + question + "\"}]}", "content");
                if (round > 0) {
                    toolFirstByte.add(tool[0]);
                    toolFirstCall.add(tool[1]);
                    toolTotal.add(tool[2]);
                    plainFirstByte.add(plain[0]);
                    plainFirstContent.add(plain[1]);
                }
            }
        }
        System.out.printf("model %s, template %s, threads %d, rounds %d (min / median / max, ms)%n",
                model.getFileName(), template.getFileName(), threads, rounds);
        System.out.println("required call: first byte     " + Stats.mmm(toolFirstByte, "%.1f"));
        System.out.println("required call: first call     " + Stats.mmm(toolFirstCall, "%.1f"));
        System.out.println("required call: whole response " + Stats.mmm(toolTotal, "%.1f"));
        System.out.println("plain:         first byte     " + Stats.mmm(plainFirstByte, "%.1f"));
        System.out.println("plain:         first content  " + Stats.mmm(plainFirstContent, "%.1f"));
    }

    /** One streamed request: ms to the first byte, to the first delta holding {@code field}, to the end. */
    private static double[] run(HttpClient client, URI uri, String body, String field) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        double firstByte = -1;
        double firstField = -1;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                double now = (System.nanoTime() - t0) / 1e6;
                if (firstByte < 0) {
                    firstByte = now;
                }
                if (firstField < 0 && line.startsWith("data: {")) {
                    JsonNode delta = JSON.readTree(line.substring(6)).at("/choices/0/delta");
                    JsonNode value = delta.path(field);
                    if (!value.isMissingNode() && !(value.isTextual() && value.textValue().isEmpty())) {
                        firstField = now;
                    }
                }
            }
        }
        if (r.statusCode() != 200 || firstField < 0) {
            throw new IllegalStateException("request failed or produced no " + field + " (HTTP " + r.statusCode() + ")");
        }
        return new double[] {firstByte, firstField, (System.nanoTime() - t0) / 1e6};
    }
}
