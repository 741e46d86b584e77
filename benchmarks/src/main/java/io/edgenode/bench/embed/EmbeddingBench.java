package io.edgenode.bench.embed;

import io.edgenode.bench.common.ForeignCpu;
import io.edgenode.bench.common.LocalNode;
import io.edgenode.bench.common.Stats;
import io.edgenode.core.embed.BatchingEmbedder;
import io.edgenode.core.embed.BuiltinEmbeddingModel;
import io.edgenode.core.embed.Embedder;
import io.edgenode.core.embed.OnnxEmbedder;
import io.edgenode.core.embed.OnnxEmbedderConfig;
import io.edgenode.core.embed.Pooling;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Embeddings/s through {@code POST /v1/embeddings} of an in-process node against the raw ONNX
 * Runtime path ({@link OnnxEmbedder#embed} on the caller's thread) in the same process, for the
 * int8 and fp32 MiniLM, alternating raw and HTTP every round (which goes first alternates too), with
 * min/median/max over the rounds and the paired ratio HTTP / raw.
 *
 * <p>A third path, the node's own {@link BatchingEmbedder} called in process, splits the HTTP path's
 * cost into the batching handoff and the HTTP exchange.
 *
 * <p>Scenarios, each a fixed number of short sentences (about 12 tokens): batch 1 (one client,
 * one input per call), batch 16 (one client, 16 inputs per call), and for HTTP also 16 concurrent
 * clients of one input each (the node's dynamic batching; its raw counterpart is batch 16). HTTP
 * asks for base64, as the official clients do. Both paths use one ONNX Runtime thread and max batch
 * 16. Single-threaded state: run from {@code main} only.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.edgenode.bench.embed.EmbeddingBench [rounds]
 * [out.md]}
 */
public final class EmbeddingBench {
    private static final int BATCH = 16;
    private static final int SINGLE_CALLS = 64;
    private static final int BATCH_CALLS = 12;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI embeddings;
    private final List<String> texts;

    private EmbeddingBench(URI base, List<String> texts) {
        this.embeddings = base.resolve("v1/embeddings");
        this.texts = texts;
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path out = args.length > 1 ? Path.of(args[1]) : null;
        String yaml = """
                  - id: minilm-q
                    kind: embedding
                    builtin: all-minilm-l6-v2-q
                    max_batch: 16
                    threads: 1
                  - id: minilm-f32
                    kind: embedding
                    builtin: all-minilm-l6-v2
                    max_batch: 16
                    threads: 1
                """;
        Path dir = Files.createTempDirectory("embedding-bench");
        List<String> texts = sentences(SINGLE_CALLS * 2, 15);
        StringBuilder report = new StringBuilder();
        try (LocalNode node = new LocalNode(yaml, dir, null, Duration.ofMinutes(2))) {
            EmbeddingBench bench = new EmbeddingBench(node.baseUri(), texts);
            for (BuiltinEmbeddingModel model : List.of(BuiltinEmbeddingModel.ALL_MINILM_L6_V2_Q,
                    BuiltinEmbeddingModel.ALL_MINILM_L6_V2)) {
                String id = model == BuiltinEmbeddingModel.ALL_MINILM_L6_V2_Q ? "minilm-q" : "minilm-f32";
                try (OnnxEmbedder raw = OnnxEmbedder.open(model,
                        new OnnxEmbedderConfig("raw", Pooling.MEAN, 512, BATCH, 1))) {
                    BatchingEmbedder batcher = node.host.embedder(node.host.embeddingSpec(id).orElseThrow(),
                            Duration.ofMinutes(1));
                    report.append(bench.run(id, raw, batcher, rounds));
                }
            }
        }
        String header = "# Embeddings: HTTP vs raw ONNX Runtime (" + rounds + " rounds, embeddings/s, min / median /"
                + " max)\n\n" + "JDK " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors()
                + " CPUs, one ONNX Runtime thread per run, max batch " + BATCH + ", ~12-token sentences.\n\n"
                + "Other processes' CPU during each model's rounds is the last column (NOISY above "
                + ForeignCpu.NOISY_CORES + " cores).\n\n"
                + "| model | scenario | raw ONNX Runtime | node's batcher, in process | HTTP /v1/embeddings |"
                + " HTTP / raw (paired, median) | other CPU |\n|---|---|---|---|---|---|---|\n";
        System.out.print(header + report);
        if (out != null) {
            Files.writeString(out, header + report);
        }
    }

    private String run(String model, OnnxEmbedder raw, BatchingEmbedder batcher, int rounds) throws Exception {
        Map<String, List<Double>> rawRates = new LinkedHashMap<>();
        Map<String, List<Double>> batcherRates = new LinkedHashMap<>();
        Map<String, List<Double>> httpRates = new LinkedHashMap<>();
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        List<String> scenarios = List.of("batch 1", "batch 16", "16 clients x 1");
        // A warm-up round of everything, not counted (JIT, ONNX Runtime arenas, connections).
        for (String s : scenarios) {
            rawRate(raw, s);
            rawRate(batcher, s);
            httpRate(model, s);
        }
        ForeignCpu cpu = ForeignCpu.now();
        for (int r = 0; r < rounds; r++) {
            for (String s : scenarios) {
                double a;
                double b;
                double c;
                if (r % 2 == 0) {
                    a = rawRate(raw, s);
                    c = rawRate(batcher, s);
                    b = httpRate(model, s);
                } else {
                    b = httpRate(model, s);
                    c = rawRate(batcher, s);
                    a = rawRate(raw, s);
                }
                rawRates.computeIfAbsent(s, k -> new ArrayList<>()).add(a);
                batcherRates.computeIfAbsent(s, k -> new ArrayList<>()).add(c);
                httpRates.computeIfAbsent(s, k -> new ArrayList<>()).add(b);
                ratios.computeIfAbsent(s, k -> new ArrayList<>()).add(b / a);
            }
        }
        double foreign = ForeignCpu.now().coresSince(cpu);
        String noise = String.format(Locale.ROOT, "%.2f cores%s", foreign,
                foreign > ForeignCpu.NOISY_CORES ? " NOISY" : "");
        StringBuilder sb = new StringBuilder();
        for (String s : scenarios) {
            sb.append("| ").append(model).append(" (").append(raw.sharedRuns() ? "shared runs" : "per-input runs")
                    .append(") | ").append(s.equals("16 clients x 1") ? s + " (raw: batch 16)" : s).append(" | ")
                    .append(Stats.mmm(rawRates.get(s), "%.0f")).append(" | ")
                    .append(Stats.mmm(batcherRates.get(s), "%.0f")).append(" | ")
                    .append(Stats.mmm(httpRates.get(s), "%.0f")).append(" | ")
                    .append(String.format(Locale.ROOT, "%.2fx", Stats.minMedianMax(ratios.get(s))[1]))
                    .append(" | ").append(noise).append(" |\n");
        }
        return sb.toString();
    }

    /**
     * Embeddings/s of an in-process path: the raw model ("16 clients x 1" has no raw form of its own
     * and runs batch 16), or the node's own batcher (16 platform threads of one input each there).
     */
    private double rawRate(Embedder raw, String scenario) throws Exception {
        long t0 = System.nanoTime();
        int n = 0;
        if (scenario.equals("16 clients x 1") && raw instanceof BatchingEmbedder) {
            try (ExecutorService clients = Executors.newFixedThreadPool(BATCH)) {
                List<Future<Integer>> done = new ArrayList<>();
                for (int c = 0; c < BATCH; c++) {
                    int client = c;
                    done.add(clients.submit(() -> {
                        for (int i = 0; i < BATCH_CALLS; i++) {
                            raw.embed(List.of(texts.get((client * BATCH_CALLS + i) % texts.size())));
                        }
                        return BATCH_CALLS;
                    }));
                }
                for (Future<Integer> f : done) {
                    n += f.get();
                }
            }
        } else if (scenario.equals("batch 1")) {
            for (int i = 0; i < SINGLE_CALLS; i++) {
                raw.embed(List.of(texts.get(i)));
                n++;
            }
        } else {
            for (int i = 0; i < BATCH_CALLS; i++) {
                n += raw.embed(texts.subList(i * BATCH % (texts.size() - BATCH), i * BATCH % (texts.size() - BATCH)
                        + BATCH)).size();
            }
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private double httpRate(String model, String scenario) throws Exception {
        long t0 = System.nanoTime();
        int n = 0;
        switch (scenario) {
            case "batch 1" -> {
                for (int i = 0; i < SINGLE_CALLS; i++) {
                    n += post(model, List.of(texts.get(i)));
                }
            }
            case "batch 16" -> {
                for (int i = 0; i < BATCH_CALLS; i++) {
                    int from = i * BATCH % (texts.size() - BATCH);
                    n += post(model, texts.subList(from, from + BATCH));
                }
            }
            default -> {
                try (ExecutorService clients = Executors.newFixedThreadPool(BATCH)) {
                    List<Future<Integer>> done = new ArrayList<>();
                    for (int c = 0; c < BATCH; c++) {
                        int client = c;
                        done.add(clients.submit(() -> {
                            int k = 0;
                            for (int i = 0; i < BATCH_CALLS; i++) {
                                k += post(model, List.of(texts.get((client * BATCH_CALLS + i) % texts.size())));
                            }
                            return k;
                        }));
                    }
                    for (Future<Integer> f : done) {
                        n += f.get();
                    }
                }
            }
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    /** One request; the number of vectors it returned. */
    private int post(String model, List<String> inputs) throws IOException, InterruptedException {
        StringBuilder body = new StringBuilder("{\"model\":\"").append(model)
                .append("\",\"encoding_format\":\"base64\",\"input\":[");
        for (int i = 0; i < inputs.size(); i++) {
            body.append(i > 0 ? "," : "").append('"').append(inputs.get(i)).append('"');
        }
        body.append("]}");
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(embeddings).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("HTTP " + r.statusCode() + ": " + r.body());
        }
        int vectors = 0;
        for (int i = r.body().indexOf("\"object\":\"embedding\""); i >= 0;
                i = r.body().indexOf("\"object\":\"embedding\"", i + 1)) {
            vectors++;
        }
        return vectors;
    }

    /** {@code n} seeded sentences of about {@code words} words (plain ASCII: no JSON escaping needed). */
    static List<String> sentences(int n, int words) {
        String[] vocab = ("the of and to in is was for on that with as by at from his her an are be this which or had"
                + " not it have but one were they all their has been more can would there who will also its two first"
                + " seats flight memory index vector search model node edge request cache token").split(" ");
        Random rnd = new Random(15);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder s = new StringBuilder();
            for (int w = 0; w < words - 3 + rnd.nextInt(4); w++) {
                s.append(w > 0 ? " " : "").append(vocab[rnd.nextInt(vocab.length)]);
            }
            out.add(s.append('.').toString());
        }
        return out;
    }
}
