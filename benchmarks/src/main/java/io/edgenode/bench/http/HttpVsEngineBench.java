package io.edgenode.bench.http;

import io.edgenode.bench.common.ForeignCpu;

import io.edgenode.store.gguf.GgufFile;
import io.edgenode.store.gguf.GgufModelInfo;
import io.edgenode.store.gguf.MemoryEstimate;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The cost of the HTTP node over the engine API, in one process, same model, same engine:
 * streaming {@code /v1/chat/completions} (java.net.http client, SSE) against
 * {@code Engine.submit} with a listener, alternating the two paths.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Dedgenode.home=$PWD -cp benchmarks/target/benchmarks.jar \
 *     io.edgenode.bench.http.HttpVsEngineBench all|single|concurrent|ttft|overhead|memory [--name value ...]
 * </pre>
 * Options: {@code --model} (models/bench-200m-q4_0.gguf), {@code --threads 2}, {@code --parallel 8},
 * {@code --context 4096}, {@code --max-batch-tokens 256}, {@code --pairs 5}, {@code --tokens 128},
 * {@code --streams 8}, {@code --prompt-groups 16} (user message: "Request" and that many random
 * 3-digit numbers, so every prompt is distinct and all have one token length), {@code --ttft-samples 30},
 * {@code --ttft-prompt-groups 2},
 * {@code --overhead-iterations 300}, {@code --memory-tokens 256}, {@code --reference-url URL} (also
 * stream from another OpenAI-compatible server, e.g. llama-server, with the same client, in
 * {@code single}; {@code --reference-model NAME}), {@code --out DIR} (default target/http-bench). Runs on the main thread (HTTP
 * streams of the concurrent modes on virtual threads); the node owns its event loops and engine
 * thread.
 */
public final class HttpVsEngineBench {
    private final Map<String, String> options = new HashMap<>();
    private final Set<String> used = new HashSet<>();
    private final StringBuilder md = new StringBuilder();
    private final SplittableRandom random = new SplittableRandom(20261123);

    private HttpVsEngineBench(String[] args) {
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            options.put(args[i].substring(2), args[++i]);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: HttpVsEngineBench all|single|concurrent|ttft|overhead|memory [--name value ...]");
            System.exit(2);
        }
        MemorySnapshot jvmOnly = MemorySnapshot.now();
        LlamaBufferLog buffers = LlamaBufferLog.install();
        HttpVsEngineBench bench = new HttpVsEngineBench(args);
        String mode = args[0];
        Path model = Path.of(bench.string("model", Path.of(System.getProperty("edgenode.home", "."), "models",
                "bench-200m-q4_0.gguf").toString()));
        if (!Files.isRegularFile(model)) {
            System.err.println(model + " missing: scripts/edgenode make-model --preset bench-200m --quant q4_0 --out " + model);
            System.exit(2);
        }
        int threads = bench.integer("threads", 2);
        int parallel = bench.integer("parallel", 8);
        int context = bench.integer("context", 4096);
        int maxBatch = bench.integer("max-batch-tokens", 256);
        Path out = Path.of(bench.string("out", Path.of(System.getProperty("edgenode.home", "."), "target",
                "http-bench").toString()));
        bench.md.append("## http-bench ").append(mode).append("\n\n");
        bench.fact("date", LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
        bench.fact("commit", System.getProperty("edgenode.commit", "unknown"));
        bench.fact("model", model.getFileName() + " (" + Files.size(model) + " bytes)");
        bench.fact("engine", "threads " + threads + ", parallel " + parallel + ", context " + context
                + ", max_batch_tokens " + maxBatch);
        bench.fact("command", "HttpVsEngineBench " + String.join(" ", args));
        bench.fact("java", Runtime.version() + ", " + System.getProperty("java.vm.name") + ", cores "
                + Runtime.getRuntime().availableProcessors());
        ForeignCpu cpu0 = ForeignCpu.now();
        try (BenchNode node = new BenchNode(model, parallel, context, threads, maxBatch)) {
            HttpScenarios s = new HttpScenarios(bench, node, model);
            s.warmUp();
            switch (mode) {
                case "single" -> s.single();
                case "concurrent" -> s.concurrent();
                case "ttft" -> s.ttft();
                case "overhead" -> s.overhead();
                case "memory" -> s.memory(jvmOnly, kvCacheBytes(model, context), buffers.lines());
                case "all" -> {
                    s.single();
                    s.concurrent();
                    s.ttft();
                    s.overhead();
                    s.memory(jvmOnly, kvCacheBytes(model, context), buffers.lines());
                }
                default -> {
                    System.err.println("unknown mode " + mode);
                    System.exit(2);
                }
            }
        }
        bench.md.append(String.format("%nOther processes over the whole run: %.2f cores (average).%n",
                ForeignCpu.now().coresSince(cpu0)));
        Set<String> unknown = new HashSet<>(bench.options.keySet());
        unknown.removeAll(bench.used);
        if (!unknown.isEmpty()) {
            System.err.println("unknown options (not read by mode " + mode + "): " + unknown);
            System.exit(2);
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve(mode + ".md"), bench.md.toString(), StandardCharsets.UTF_8);
        System.out.println(bench.md);
        System.out.println("written: " + out.resolve(mode + ".md"));
        System.exit(0);
    }

    /** F16 K and V for every layer and context cell: {@code 2 * n_layer * n_ctx * n_head_kv * head_dim * 2} bytes. */
    private static long kvCacheBytes(Path model, int context) throws IOException {
        try (GgufFile f = GgufFile.open(model)) {
            return MemoryEstimate.of(GgufModelInfo.of(f), context).kvCacheBytes();
        } catch (io.edgenode.store.gguf.GgufFormatException e) {
            throw new IOException(e);
        }
    }

    // ---- options and report (main thread) ----

    String string(String name, String dflt) {
        used.add(name);
        return options.getOrDefault(name, dflt);
    }

    int integer(String name, int dflt) {
        return Integer.parseInt(string(name, Integer.toString(dflt)));
    }

    URI uri(String name) {
        String v = string(name, null);
        return v == null ? null : URI.create(v.endsWith("/") ? v : v + "/");
    }

    void fact(String key, Object value) {
        md.append("- ").append(key).append(": `").append(value).append("`\n");
    }

    void heading(String title) {
        md.append("\n### ").append(title).append("\n\n");
    }

    void table(String... columns) {
        md.append("| ").append(String.join(" | ", columns)).append(" |\n|").append("---|".repeat(columns.length))
                .append('\n');
    }

    void row(Object... cells) {
        md.append("| ");
        for (int i = 0; i < cells.length; i++) {
            md.append(i == 0 ? "" : " | ").append(cells[i]);
        }
        md.append(" |\n");
    }

    void note(String text) {
        md.append('\n').append(text).append('\n');
    }

    /** "Request" and {@code groups} random 3-digit numbers: distinct, and one token length per vocabulary. */
    String userText(int groups) {
        StringBuilder sb = new StringBuilder("Request");
        for (int i = 0; i < groups; i++) {
            sb.append(' ').append(100 + random.nextInt(900));
        }
        return sb.toString();
    }

    static List<Double> list() {
        return new ArrayList<>();
    }
}
