package io.edgenode.bench.http;

import io.edgenode.bench.common.ForeignCpu;
import io.edgenode.bench.common.Stats;
import io.edgenode.bench.load.ChatClient;
import io.edgenode.bench.load.Endpoint;
import io.edgenode.bench.load.ExactTokens;
import io.edgenode.bench.load.Message;
import io.edgenode.bench.load.Timeouts;
import io.edgenode.core.llama.Vocab;
import io.edgenode.server.node.LoadedModel;
import io.edgenode.server.openai.ChatCompletionRequest;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The measurements of {@link HttpVsEngineBench}: each alternates the HTTP path and the engine
 * path (which goes first alternates too) on one node and one engine. Every request has a distinct
 * prompt of the same token length (checked), so the prefix cache helps both paths equally (only
 * the chat template's header is shared). Confined to the benchmark's main thread.
 */
final class HttpScenarios {
    private final HttpVsEngineBench bench;
    private final BenchNode node;
    private final Path modelPath;
    private final LoadedModel model;
    /** No idle bound tighter than the whole request: a slow machine must not turn into timeouts. */
    private static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(300),
            Duration.ofSeconds(300), Duration.ofSeconds(300));

    private final ChatClient http = new ChatClient(TIMEOUTS);
    private final Endpoint endpoint;
    private final EnginePath engine;
    private final int groups;
    private final int promptTokens;
    /** Token length of the prompts of each group count in use; every request is checked against it. */
    private final java.util.Map<Integer, Integer> lengths = new java.util.HashMap<>();

    HttpScenarios(HttpVsEngineBench bench, BenchNode node, Path modelPath) {
        this.bench = bench;
        this.node = node;
        this.modelPath = modelPath;
        this.model = node.model;
        this.endpoint = new Endpoint("edgenode", node.baseUri(), BenchNode.MODEL_ID, "");
        this.engine = new EnginePath(model);
        this.groups = bench.integer("prompt-groups", 16);
        this.promptTokens = engine.prepare(body(groups, 4)).prompt().length;
        lengths.put(groups, promptTokens);
        bench.fact("prompt", promptTokens + " tokens (chat template rendered: "
                + (model.template().isFallback() ? "ChatML fallback" : "the model's own") + ")");
        bench.fact("vocabulary", model.model().vocab().size() + " tokens");
    }

    /** One user message, greedy, EOS ignored, exactly {@code maxTokens}, usage at the end. */
    private static ChatClient.Options options(int maxTokens) {
        return new ChatClient.Options(maxTokens, ExactTokens.IGNORE_EOS, true, 0);
    }

    /** The request body of a fresh user text (the same bytes {@link ChatClient#chat} sends for it). */
    private byte[] body(int groupCount, int maxTokens) {
        return body(bench.userText(groupCount), maxTokens);
    }

    private static byte[] body(String userText, int maxTokens) {
        return ChatClient.chatBody(BenchNode.MODEL_ID, List.of(new Message("user", userText)), null, options(maxTokens));
    }

    /** A fresh user text for HTTP; its prompt length is checked to be the common one for {@code groupCount}. */
    private String httpText(int groupCount, int maxTokens) {
        String text = bench.userText(groupCount);
        checkLength(groupCount, engine.prepare(body(text, maxTokens)).prompt().length);
        return text;
    }

    /** One streamed request over HTTP of a fresh, length-checked prompt. */
    private StreamTiming httpStream(int groupCount, int maxTokens) throws Exception {
        return stream(http, endpoint, httpText(groupCount, maxTokens), maxTokens);
    }

    private StreamTiming httpStream(int maxTokens) throws Exception {
        return httpStream(groups, maxTokens);
    }

    /** Reads one streaming request to {@code [DONE]}, timed by {@link ChatClient}. */
    private static StreamTiming stream(ChatClient client, Endpoint ep, String userText, int maxTokens) throws Exception {
        return StreamTiming.of(client.chat(ep, List.of(new Message("user", userText)), null, options(maxTokens), 0, 0, 0));
    }

    private EnginePath.Prepared engineRequest(int maxTokens) {
        return engineRequest(groups, maxTokens);
    }

    private EnginePath.Prepared engineRequest(int groupCount, int maxTokens) {
        EnginePath.Prepared p = engine.prepare(body(groupCount, maxTokens));
        checkLength(groupCount, p.prompt().length);
        return p;
    }

    private void checkLength(int groupCount, int n) {
        int expected = lengths.computeIfAbsent(groupCount, g -> n);
        if (n != expected) {
            throw new IllegalStateException("prompt of " + n + " tokens, expected " + expected
                    + ": this vocabulary does not tokenize 3-digit groups uniformly");
        }
    }

    void warmUp() throws Exception {
        for (int i = 0; i < 4; i++) {
            httpStream(32);
            engine.run(List.of(engineRequest(32)), "warm" + i);
        }
        int streams = bench.integer("streams", 8);
        for (int i = 0; i < 2; i++) {
            httpConcurrent(streams, 16);
            engineConcurrent(streams, 16);
        }
    }

    // ---- single stream ----

    void single() throws Exception {
        int pairs = bench.integer("pairs", 5);
        int tokens = bench.integer("tokens", 128);
        URI referenceUrl = bench.uri("reference-url");
        String referenceModel = bench.string("reference-model", "reference");
        Endpoint reference = referenceUrl == null ? null : new Endpoint("reference", referenceUrl, referenceModel, "");
        List<Double> httpRate = HttpVsEngineBench.list();
        List<Double> engineRate = HttpVsEngineBench.list();
        List<Double> ratio = HttpVsEngineBench.list();
        List<Double> refRate = HttpVsEngineBench.list();
        List<Double> refRatio = HttpVsEngineBench.list();
        bench.heading("Single stream: decode tok/s, streaming /v1/chat/completions vs Engine.submit");
        bench.table("pair", "first", "HTTP tok/s", "engine tok/s", "HTTP/engine", "HTTP chunks", "HTTP tokens",
                reference == null ? "-" : "reference tok/s", "other cores");
        for (int p = 0; p < pairs; p++) {
            ForeignCpu cpu = ForeignCpu.now();
            StreamTiming h;
            StreamTiming e;
            StreamTiming r = null;
            boolean httpFirst = p % 2 == 0;
            if (httpFirst) {
                h = httpStream(tokens);
                e = engine.run(List.of(engineRequest(tokens)), "single" + p).getFirst();
            } else {
                e = engine.run(List.of(engineRequest(tokens)), "single" + p).getFirst();
                h = httpStream(tokens);
            }
            if (reference != null) {
                r = stream(http, reference, bench.userText(groups), tokens);
                refRate.add(r.decodeTokensPerSecond());
                refRatio.add(h.decodeTokensPerSecond() / r.decodeTokensPerSecond());
            }
            check(h, tokens);
            check(e, tokens);
            httpRate.add(h.decodeTokensPerSecond());
            engineRate.add(e.decodeTokensPerSecond());
            ratio.add(h.decodeTokensPerSecond() / e.decodeTokensPerSecond());
            double other = ForeignCpu.now().coresSince(cpu);
            bench.row(p + 1, httpFirst ? "HTTP" : "engine", f1(h.decodeTokensPerSecond()), f1(e.decodeTokensPerSecond()),
                    f3(ratio.getLast()), h.textEvents(), h.completionTokens(),
                    r == null ? "-" : f1(r.decodeTokensPerSecond()), noisy(other));
        }
        bench.note("min / median / max: HTTP " + Stats.mmm(httpRate, "%.1f") + " tok/s; engine "
                + Stats.mmm(engineRate, "%.1f") + " tok/s; **HTTP/engine " + Stats.mmm(ratio, "%.3f")
                + "** (paired; goal >= 0.97)."
                + (reference == null ? "" : " Reference server " + Stats.mmm(refRate, "%.1f")
                        + " tok/s; HTTP/reference " + Stats.mmm(refRatio, "%.3f") + "."));
        bench.note("Rate = (completion tokens - 1) / (last content - first content), as each side sees it: SSE"
                + " chunks read by the client for HTTP (tokens from the usage chunk), onText calls on the engine"
                + " thread for the engine path. Same prompt length, " + tokens + " tokens, ignore_eos, temperature 0.");
    }

    // ---- concurrent streams ----

    void concurrent() throws Exception {
        int pairs = bench.integer("pairs", 5);
        int tokens = bench.integer("tokens", 128);
        int streams = bench.integer("streams", 8);
        List<Double> httpAgg = HttpVsEngineBench.list();
        List<Double> engineAgg = HttpVsEngineBench.list();
        List<Double> ratio = HttpVsEngineBench.list();
        List<Double> httpSteady = HttpVsEngineBench.list();
        List<Double> engineSteady = HttpVsEngineBench.list();
        List<Double> steadyRatio = HttpVsEngineBench.list();
        bench.heading(streams + " concurrent streams: aggregate decode tok/s");
        bench.table("pair", "first", "HTTP tok/s", "engine tok/s", "HTTP/engine", "HTTP all-8 tok/s",
                "engine all-8 tok/s", "all-8 HTTP/engine", "HTTP start spread ms", "engine start spread ms",
                "other cores");
        for (int p = 0; p < pairs; p++) {
            ForeignCpu cpu = ForeignCpu.now();
            boolean httpFirst = p % 2 == 0;
            List<StreamTiming> h;
            List<StreamTiming> e;
            if (httpFirst) {
                h = httpConcurrent(streams, tokens);
                e = engineConcurrent(streams, tokens);
            } else {
                e = engineConcurrent(streams, tokens);
                h = httpConcurrent(streams, tokens);
            }
            for (StreamTiming t : h) {
                check(t, tokens);
            }
            for (StreamTiming t : e) {
                check(t, tokens);
            }
            httpAgg.add(aggregate(h));
            engineAgg.add(aggregate(e));
            ratio.add(httpAgg.getLast() / engineAgg.getLast());
            httpSteady.add(steady(h));
            engineSteady.add(steady(e));
            steadyRatio.add(httpSteady.getLast() / engineSteady.getLast());
            bench.row(p + 1, httpFirst ? "HTTP" : "engine", f1(httpAgg.getLast()), f1(engineAgg.getLast()),
                    f3(ratio.getLast()), f1(httpSteady.getLast()), f1(engineSteady.getLast()), f3(steadyRatio.getLast()),
                    f1(startSpreadMs(h)), f1(startSpreadMs(e)), noisy(ForeignCpu.now().coresSince(cpu)));
        }
        bench.note("min / median / max: HTTP " + Stats.mmm(httpAgg, "%.1f") + " tok/s; engine "
                + Stats.mmm(engineAgg, "%.1f") + " tok/s; **HTTP/engine " + Stats.mmm(ratio, "%.3f")
                + "** (paired; goal >= 0.95). While all " + streams + " decode: HTTP " + Stats.mmm(httpSteady, "%.1f")
                + " tok/s; engine " + Stats.mmm(engineSteady, "%.1f") + " tok/s; **HTTP/engine "
                + Stats.mmm(steadyRatio, "%.3f") + "**.");
        bench.note("Aggregate = sum over streams of (tokens - 1) / (latest last content - earliest first content)."
                + " All-" + streams + " = content events of every stream between the latest first content and the"
                + " earliest last content, over that window (the steady state, without the staggered starts and"
                + " ends; HTTP counts chunks, which are tokens unless the node coalesced). Start spread: first"
                + " content of the last stream to start minus that of the first.");
    }

    private List<StreamTiming> httpConcurrent(int streams, int tokens) throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            texts.add(httpText(groups, tokens));
        }
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<StreamTiming>> futures = new ArrayList<>();
            for (String text : texts) {
                futures.add(clients.submit(() -> stream(http, endpoint, text, tokens)));
            }
            List<StreamTiming> out = new ArrayList<>();
            for (Future<StreamTiming> f : futures) {
                out.add(f.get());
            }
            return out;
        }
    }

    private List<StreamTiming> engineConcurrent(int streams, int tokens) throws Exception {
        List<EnginePath.Prepared> prepared = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            prepared.add(engineRequest(tokens));
        }
        return engine.run(prepared, "conc");
    }

    private static double aggregate(List<StreamTiming> ts) {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        long tokens = 0;
        for (StreamTiming t : ts) {
            first = Math.min(first, t.firstTextNanos());
            last = Math.max(last, t.lastTextNanos());
            tokens += t.completionTokens() - 1;
        }
        return tokens / ((last - first) / 1e9);
    }

    /** Events per second while every stream is between its first and last content. */
    private static double steady(List<StreamTiming> ts) {
        long from = Long.MIN_VALUE;
        long to = Long.MAX_VALUE;
        for (StreamTiming t : ts) {
            from = Math.max(from, t.firstTextNanos());
            to = Math.min(to, t.lastTextNanos());
        }
        if (to <= from) {
            return Double.NaN;
        }
        long n = 0;
        for (StreamTiming t : ts) {
            n += t.eventsBetween(from, to);
        }
        return n / ((to - from) / 1e9);
    }

    private static double startSpreadMs(List<StreamTiming> ts) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (StreamTiming t : ts) {
            min = Math.min(min, t.firstTextNanos());
            max = Math.max(max, t.firstTextNanos());
        }
        return (max - min) / 1e6;
    }

    // ---- time to first token ----

    void ttft() throws Exception {
        int samples = bench.integer("ttft-samples", 30);
        int ttftGroups = bench.integer("ttft-prompt-groups", 2); // short prompt: little prefill, little prefill noise
        int tokens = 4;
        List<Double> httpTtft = HttpVsEngineBench.list();
        List<Double> engineTtft = HttpVsEngineBench.list();
        List<Double> engineOwn = HttpVsEngineBench.list();
        List<Double> diff = HttpVsEngineBench.list();
        ForeignCpu cpu = ForeignCpu.now();
        double[] served0 = node.httpEngineTtft();
        for (int i = 0; i < samples; i++) {
            StreamTiming h;
            StreamTiming e;
            if (i % 2 == 0) {
                h = httpStream(ttftGroups, tokens);
                e = engine.run(List.of(engineRequest(ttftGroups, tokens)), "ttft" + i).getFirst();
            } else {
                e = engine.run(List.of(engineRequest(ttftGroups, tokens)), "ttft" + i).getFirst();
                h = httpStream(ttftGroups, tokens);
            }
            httpTtft.add(h.ttftNanos() / 1e6);
            engineTtft.add(e.ttftNanos() / 1e6);
            engineOwn.add(e.engineTtftNanos() / 1e6);
            diff.add(httpTtft.getLast() - engineTtft.getLast());
        }
        double other = ForeignCpu.now().coresSince(cpu);
        double[] served1 = node.httpEngineTtft();
        List<Double> health = HttpVsEngineBench.list();
        for (int i = 0; i < samples; i++) {
            health.add(http.roundTripNanos(endpoint, "/health") / 1e6);
        }
        double httpEngineMeanMs = (served1[0] - served0[0]) / (served1[1] - served0[1]) * 1e3;
        double engineMeanMs = engineOwn.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double httpClientMeanMs = httpTtft.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        bench.heading("Added time to first token (idle engine, one request at a time, " + lengths.get(ttftGroups)
                + "-token prompt)");
        bench.table("path", "p50 ms", "p90 ms", "min ms", "max ms");
        bench.row("HTTP client: send -> first content chunk", f2(Stats.percentile(httpTtft, 50)),
                f2(Stats.percentile(httpTtft, 90)), f2(Stats.percentile(httpTtft, 0)), f2(Stats.percentile(httpTtft, 100)));
        bench.row("engine: submit -> first onText", f2(Stats.percentile(engineTtft, 50)),
                f2(Stats.percentile(engineTtft, 90)), f2(Stats.percentile(engineTtft, 0)),
                f2(Stats.percentile(engineTtft, 100)));
        bench.row("engine's own Usage.timeToFirstTokenNanos", f2(Stats.percentile(engineOwn, 50)),
                f2(Stats.percentile(engineOwn, 90)), f2(Stats.percentile(engineOwn, 0)),
                f2(Stats.percentile(engineOwn, 100)));
        bench.row("GET /health round trip (same client, same node)", f2(Stats.percentile(health, 50)),
                f2(Stats.percentile(health, 90)), f2(Stats.percentile(health, 0)), f2(Stats.percentile(health, 100)));
        bench.row("pairwise HTTP - engine", f2(Stats.percentile(diff, 50)), f2(Stats.percentile(diff, 90)),
                f2(Stats.percentile(diff, 0)), f2(Stats.percentile(diff, 100)));
        bench.note(String.format("**Added TTFT (p50 HTTP - p50 engine): %.2f ms** (goal < 2 ms); median of the"
                + " pairwise differences %.2f ms; %d alternating pairs, %d tokens each; other processes %s cores.",
                Stats.percentile(httpTtft, 50) - Stats.percentile(engineTtft, 50), Stats.percentile(diff, 50),
                samples, tokens, noisy(other)));
        bench.note(String.format("Where it goes: the engine's own TTFT (submit -> first token) of the HTTP requests,"
                + " from the node's edgenode_time_to_first_token_seconds (sum/count over %.0f requests), mean"
                + " %.2f ms, against %.2f ms for the direct submissions: a difference of %.2f ms is engine time"
                + " (prefill slowed while the node and client run beside it); the rest of the added TTFT is"
                + " outside the engine (HTTP, JSON, template, tokenization, SSE, client).",
                served1[1] - served0[1], httpEngineMeanMs, engineMeanMs, httpEngineMeanMs - engineMeanMs));
        bench.note(String.format("**Added outside the engine, same requests: mean client TTFT %.2f ms - mean engine TTFT"
                + " of those requests %.2f ms = %.2f ms** (free of the prefill's variance, which the p50 difference"
                + " above is not).", httpClientMeanMs, httpEngineMeanMs, httpClientMeanMs - httpEngineMeanMs));
    }

    // ---- pre-engine work, in process ----

    void overhead() {
        int n = bench.integer("overhead-iterations", 300);
        Vocab vocab = model.model().vocab();
        List<Double> parse = HttpVsEngineBench.list();
        List<Double> render = HttpVsEngineBench.list();
        List<Double> tokenize = HttpVsEngineBench.list();
        List<Double> total = HttpVsEngineBench.list();
        long sink = 0;
        for (int round = 0; round < 2; round++) { // round 0 warms the JIT
            for (int i = 0; i < n; i++) {
                byte[] b = body(groups, 128);
                long t0 = System.nanoTime();
                ChatCompletionRequest req = ChatCompletionRequest.parse(b);
                long t1 = System.nanoTime();
                String rendered = model.template().render(req.messages(), true);
                long t2 = System.nanoTime();
                int[] prompt = EnginePath.tokenize(vocab, rendered);
                long t3 = System.nanoTime();
                if (round == 1) {
                    sink += prompt.length;
                    parse.add((t1 - t0) / 1e3);
                    render.add((t2 - t1) / 1e3);
                    tokenize.add((t3 - t2) / 1e3);
                    total.add((t3 - t0) / 1e3);
                }
            }
        }
        bench.heading("Pre-engine work per chat request, in process (" + n + " requests after " + n + " warm-up)");
        bench.table("step", "p50 us", "p90 us", "p99 us", "max us");
        for (var e : List.of(java.util.Map.entry("ChatCompletionRequest.parse", parse),
                java.util.Map.entry("ChatTemplate.render", render),
                java.util.Map.entry("Vocab.tokenize (with the BOS check)", tokenize),
                java.util.Map.entry("total", total))) {
            bench.row(e.getKey(), f1(Stats.percentile(e.getValue(), 50)), f1(Stats.percentile(e.getValue(), 90)),
                    f1(Stats.percentile(e.getValue(), 99)), f1(Stats.percentile(e.getValue(), 100)));
        }
        bench.note("Prompt tokens per request: " + sink / n + ". Template: "
                + (model.template().isFallback() ? "ChatML fallback" : "the model's own") + ".");
    }

    // ---- memory while serving ----

    void memory(MemorySnapshot jvmOnly, long kvBytes, List<String> llamaBuffers) throws Exception {
        int streams = bench.integer("streams", 8);
        int tokens = bench.integer("memory-tokens", 256);
        long weights = Files.size(modelPath);
        System.gc();
        MemorySnapshot idle = MemorySnapshot.now();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            texts.add(httpText(groups, tokens));
        }
        MemorySnapshot peak = null;
        String nmt = null;
        String nmtWhen = "about 0.5 s into the streams";
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<StreamTiming>> futures = new ArrayList<>();
            for (String text : texts) {
                futures.add(clients.submit(() -> stream(http, endpoint, text, tokens)));
            }
            long start = System.nanoTime();
            while (!futures.stream().allMatch(Future::isDone)) {
                MemorySnapshot s = MemorySnapshot.now();
                if (peak == null || s.rss() > peak.rss()) {
                    peak = s;
                }
                if (nmt == null && System.nanoTime() - start > 500_000_000L) {
                    nmt = MemorySnapshot.nativeMemorySummary();
                }
                Thread.sleep(50);
            }
            for (Future<StreamTiming> f : futures) {
                check(f.get(), tokens);
            }
        }
        if (peak == null) {
            throw new IllegalStateException("the streams ended before the first sample");
        }
        if (nmt == null) {
            nmt = MemorySnapshot.nativeMemorySummary();
            nmtWhen = "just after the streams ended";
        }
        bench.heading("Memory while serving " + streams + " HTTP streams (" + tokens + " tokens each)");
        bench.table("", "JVM started (no model)", "idle, model loaded", "peak while serving");
        for (String k : List.of("VmRSS", "RssAnon", "RssFile", "RssShmem")) {
            bench.row(k + " MiB", mib(jvmOnly.proc(k)), mib(idle.proc(k)), mib(peak.proc(k)));
        }
        bench.row("heap used / committed MiB", mib(jvmOnly.heapUsed()) + " / " + mib(jvmOnly.heapCommitted()),
                mib(idle.heapUsed()) + " / " + mib(idle.heapCommitted()), mib(peak.heapUsed()) + " / " + mib(peak.heapCommitted()));
        bench.row("non-heap used / committed MiB", mib(jvmOnly.nonHeapUsed()) + " / " + mib(jvmOnly.nonHeapCommitted()),
                mib(idle.nonHeapUsed()) + " / " + mib(idle.nonHeapCommitted()),
                mib(peak.nonHeapUsed()) + " / " + mib(peak.nonHeapCommitted()));
        bench.row("direct buffers MiB", mib(jvmOnly.directBuffers()), mib(idle.directBuffers()), mib(peak.directBuffers()));
        long beyond = peak.rss() - weights - kvBytes;
        bench.note(String.format("Weights (file, mmap'd, in RssFile): %s MiB; KV cache (F16, 2 x n_layer x n_ctx x"
                + " n_head_kv x head_dim x 2 B): %s MiB. **Peak VmRSS beyond weights + KV: %s MiB** (goal < 150 MB ="
                + " 143 MiB); of which RssAnon - KV = %s MiB, RssFile - weights = %s MiB (JDK, jar and native"
                + " libraries' pages).", mib(weights), mib(kvBytes), mib(beyond), mib(peak.proc("RssAnon") - kvBytes),
                mib(peak.proc("RssFile") - weights)));
        bench.note("llama.cpp's buffers, from its log (model load and context creation):\n\n```\n"
                + String.join("\n", llamaBuffers) + "\n```");
        bench.note("JVM flags: `" + String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean()
                .getInputArguments()) + "`");
        if (nmt != null) {
            bench.note("Native memory tracking " + nmtWhen + " (`VM.native_memory summary`):\n\n```\n"
                    + trimNmt(nmt) + "\n```");
        }
    }

    /** The summary's totals and per-category lines, without the per-arena detail. */
    private static String trimNmt(String nmt) {
        StringBuilder sb = new StringBuilder();
        for (String line : nmt.split("\n")) {
            String t = line.strip();
            if (t.startsWith("Total:") || t.startsWith("-") || t.startsWith("Native Memory") || t.startsWith("(malloc")
                    || t.startsWith("(mmap") || t.startsWith("not enabled") || t.contains("not enabled")) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString().stripTrailing();
    }

    // ---- helpers ----

    private static void check(StreamTiming t, int tokens) {
        if (t.completionTokens() != tokens) {
            throw new IllegalStateException("NODE BUG? " + t.completionTokens() + " tokens, expected " + tokens);
        }
    }

    private static String noisy(double cores) {
        return String.format("%.2f%s", cores, cores > ForeignCpu.NOISY_CORES ? " NOISY" : "");
    }

    private static String mib(long bytes) {
        return String.format("%.1f", bytes / (1024.0 * 1024.0));
    }

    private static String f1(double v) {
        return String.format("%.1f", v);
    }

    private static String f2(double v) {
        return String.format("%.2f", v);
    }

    private static String f3(double v) {
        return String.format("%.3f", v);
    }
}
