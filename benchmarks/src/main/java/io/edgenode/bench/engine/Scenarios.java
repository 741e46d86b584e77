package io.edgenode.bench.engine;

import io.edgenode.bench.common.Stats;
import io.edgenode.bench.common.ForeignCpu;

import io.edgenode.core.engine.Engine;
import io.edgenode.core.engine.EngineConfig;
import io.edgenode.core.engine.EngineMetrics;
import io.edgenode.core.llama.LlamaModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The load bench's modes. Runs on the main thread. Every measured run starts a fresh engine (a
 * new context, so an empty KV cache: idle slots keep their prefixes for reuse, and stale cells
 * would lengthen later runs' attention) and warms it with one tiny request first; prompts are
 * random and distinct, so no prefix is reused.
 *
 * <ul>
 *   <li>{@code sweep}: {@code --streams 1,2,4,8 --prompt 16 --tokens 128}. Decode tok/s = tokens
 *       generated after each stream's first token / wall time from the earliest first token to
 *       the last completion (the decode phase; streams start in the same step). Also the sum of
 *       the per-request {@code Usage.decodeTokensPerSecond} as a cross-check. Ratio to one stream
 *       is paired within a round.
 *   <li>{@code burst}: {@code --requests 8 --prompt 100 --tokens 32}, submitted together.
 *   <li>{@code short-while-long}: {@code --long 7 --long-prompt 300 --long-tokens 200
 *       --short-prompt 16 --short-tokens 16 --arrivals 10}; also the same short request on an
 *       idle engine for comparison.
 *   <li>{@code sweep-config}: {@code --batch-tokens 64,128,256,512 --parallels 4,8}: burst TTFT
 *       and 8-stream decode tok/s for each pair.
 * </ul>
 */
final class Scenarios {
    private final LlamaModel model;
    private final Options options;
    private final Report report;
    private final Prompts prompts;
    private int engineRuns;

    Scenarios(LlamaModel model, Options options, Report report) {
        this.model = model;
        this.options = options;
        this.report = report;
        this.prompts = new Prompts(model.vocab(), options.integer("seed", 42));
    }

    private Engine start(EngineConfig config) {
        Engine engine = Engine.start(model, config);
        Wave.run(engine, "warm" + engineRuns++, prompts.next(1, 8), 8);
        return engine;
    }

    private void describe(EngineConfig config, int runs) {
        report.fact("threads", config.threads());
        report.fact("engine", "parallel " + config.parallel() + ", context " + config.contextSize()
                + ", maxBatchTokens " + config.maxBatchTokens() + ", poll " + config.threadPoll());
        report.fact("runs", runs);
    }

    // ---- sweep ----------------------------------------------------------------------------

    /** One sweep point: decode-phase rate, engine's summed per-request rate, end-to-end rate. */
    record Point(double decode, double summed, double endToEnd, long steps, double foreignCores) {}

    Point streams(EngineConfig config, int n, int promptLength, int tokens) {
        try (Engine engine = start(config)) {
            long steps0 = engine.metrics().steps();
            ForeignCpu cpu0 = ForeignCpu.now();
            List<Wave.Sample> s = Wave.run(engine, "s" + n + "-" + engineRuns, prompts.next(n, promptLength), tokens);
            if (Wave.cachedPromptTokens(s) != 0) {
                throw new EngineBugException("random prompts reused " + Wave.cachedPromptTokens(s) + " cached tokens");
            }
            return new Point(Wave.decodeTokensPerSecond(s), Wave.summedRequestRates(s), Wave.endToEndTokensPerSecond(s),
                    engine.metrics().steps() - steps0, ForeignCpu.now().coresSince(cpu0));
        }
    }

    void sweep() {
        int[] streams = options.integers("streams", 1, 2, 4, 8);
        int prompt = options.integer("prompt", 16);
        int tokens = options.integer("tokens", 128);
        int runs = options.integer("runs", 3);
        EngineConfig config = options.engineConfig();
        options.checkAllUsed();
        describe(config, runs);
        report.fact("workload", "prompt " + prompt + " tokens (random, distinct), " + tokens + " generated, ignore EOS");
        streams(config, streams[streams.length - 1], prompt, 32); // JIT and page-cache warm-up, not measured
        List<List<Point>> byStreams = new ArrayList<>();
        for (int ignored : streams) {
            byStreams.add(new ArrayList<>());
        }
        for (int r = 0; r < runs; r++) {
            for (int i = 0; i < streams.length; i++) { // rounds interleave the stream counts against drift
                Point p = streams(config, streams[i], prompt, tokens);
                byStreams.get(i).add(p);
                System.out.printf("run %d  streams %d  decode %.1f tok/s  summed %.1f  end-to-end %.1f  steps %d"
                        + "  other processes %.2f cores%s%n", r + 1, streams[i], p.decode(), p.summed(), p.endToEnd(),
                        p.steps(), p.foreignCores(), p.foreignCores() > ForeignCpu.NOISY_CORES ? "  NOISY" : "");
            }
        }
        Report.Table t = report.table("Aggregate decode tok/s vs streams (min / median / max of " + runs + " runs)",
                "streams", "decode tok/s", "per-stream tok/s (median)", "ratio to 1 stream (paired)",
                "summed Usage.decodeTokensPerSecond", "end-to-end tok/s (incl. prefill)", "steps (median)",
                "other processes, cores (max)");
        for (int i = 0; i < streams.length; i++) {
            List<Point> ps = byStreams.get(i);
            List<Double> ratios = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                ratios.add(ps.get(r).decode() / byStreams.get(0).get(r).decode());
            }
            double[] decode = Stats.minMedianMax(ps.stream().map(Point::decode).toList());
            Report.row(t, streams[i], Stats.mmm(decode, "%.1f"), decode[1] / streams[i],
                    Stats.mmm(Stats.minMedianMax(ratios), "%.2f"),
                    Stats.mmm(Stats.minMedianMax(ps.stream().map(Point::summed).toList()), "%.1f"),
                    Stats.mmm(Stats.minMedianMax(ps.stream().map(Point::endToEnd).toList()), "%.1f"),
                    Stats.minMedianMax(ps.stream().map(p -> (double) p.steps()).toList())[1],
                    Stats.minMedianMax(ps.stream().map(Point::foreignCores).toList())[2]);
        }
        t.notes().add("Ratios are to the " + streams[0] + "-stream run of the same round.");
    }

    // ---- burst ----------------------------------------------------------------------------

    record Burst(List<Double> ttftMillis, double endToEnd, double decode, double foreignCores) {}

    Burst burstOnce(EngineConfig config, int requests, int prompt, int tokens) {
        try (Engine engine = start(config)) {
            ForeignCpu cpu0 = ForeignCpu.now();
            List<Wave.Sample> s = Wave.run(engine, "b" + engineRuns, prompts.next(requests, prompt), tokens);
            return new Burst(Wave.ttftMillis(s), Wave.endToEndTokensPerSecond(s), Wave.decodeTokensPerSecond(s),
                    ForeignCpu.now().coresSince(cpu0));
        }
    }

    void burst() {
        int requests = options.integer("requests", 8);
        int prompt = options.integer("prompt", 100);
        int tokens = options.integer("tokens", 32);
        int runs = options.integer("runs", 3);
        EngineConfig config = options.engineConfig();
        options.checkAllUsed();
        describe(config, runs);
        report.fact("workload", requests + " requests submitted together, prompt " + prompt + " tokens, " + tokens
                + " generated, ignore EOS");
        burstOnce(config, requests, prompt, 8); // warm-up
        Report.Table t = report.table("Burst", "run", "TTFT p50 ms", "TTFT p95 ms", "TTFT min ms", "TTFT max ms",
                "end-to-end tok/s", "tok/s after first token", "other processes, cores");
        List<Double> all = new ArrayList<>();
        List<Double> e2e = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            Burst b = burstOnce(config, requests, prompt, tokens);
            all.addAll(b.ttftMillis());
            e2e.add(b.endToEnd());
            Report.row(t, r + 1, Stats.percentile(b.ttftMillis(), 50), Stats.percentile(b.ttftMillis(), 95),
                    Stats.percentile(b.ttftMillis(), 0), Stats.percentile(b.ttftMillis(), 100), b.endToEnd(), b.decode(),
                    b.foreignCores());
            System.out.printf("run %d  TTFT p50 %.1f ms  p95 %.1f ms  end-to-end %.1f tok/s  other processes %.2f cores%n",
                    r + 1, Stats.percentile(b.ttftMillis(), 50), Stats.percentile(b.ttftMillis(), 95), b.endToEnd(),
                    b.foreignCores());
        }
        Report.row(t, "all " + all.size(), Stats.percentile(all, 50), Stats.percentile(all, 95),
                Stats.percentile(all, 0), Stats.percentile(all, 100), Stats.minMedianMax(e2e)[1], "", "");
        t.notes().add("TTFT = Usage.timeToFirstTokenNanos (submit to first token). End-to-end tok/s = all generated"
                + " tokens / first submit to last completion. Last row: pooled TTFT, median end-to-end.");
    }

    // ---- short-while-long -----------------------------------------------------------------

    void shortWhileLong() {
        int longCount = options.integer("long", 7);
        int longPrompt = options.integer("long-prompt", 300);
        int longTokens = options.integer("long-tokens", 200);
        int shortPrompt = options.integer("short-prompt", 16);
        int shortTokens = options.integer("short-tokens", 16);
        int arrivals = options.integer("arrivals", 10);
        EngineConfig config = options.engineConfig();
        options.checkAllUsed();
        describe(config, arrivals);
        report.fact("workload", longCount + " long requests (prompt " + longPrompt + ", " + longTokens
                + " generated) decoding; short requests (prompt " + shortPrompt + ", " + shortTokens
                + " generated) arrive one at a time, 50-150 ms apart");
        SplittableRandom gaps = new SplittableRandom(7);
        List<Double> idle = new ArrayList<>();
        List<Double> loaded = new ArrayList<>();
        TreeMap<Integer, List<Double>> stepTimes = new TreeMap<>();
        try (Engine engine = start(config)) {
            for (int i = 0; i < arrivals; i++) {
                Wave.Sample s = Wave.submit(engine, "idle-" + i, prompts.next(shortPrompt), shortTokens).await(engine);
                idle.add(s.usage().timeToFirstTokenNanos() / 1e6);
            }
        }
        int rounds = 0;
        while (loaded.size() < arrivals) {
            if (++rounds > arrivals) {
                throw new IllegalStateException("long requests end before short ones can arrive; raise --long-tokens");
            }
            try (Engine engine = start(config)) {
                EngineMetrics m0 = engine.metrics();
                List<Wave.Pending> longs = new ArrayList<>();
                for (int i = 0; i < longCount; i++) {
                    longs.add(Wave.submit(engine, "long-" + rounds + "-" + i, prompts.next(longPrompt), longTokens));
                }
                // Every long prompt prefilled = every long request has its first token (same step).
                while (engine.metrics().prefilledTokens() - m0.prefilledTokens() < (long) longCount * longPrompt) {
                    sleepMillis(5);
                }
                StepSampler sampler = new StepSampler(engine);
                sampler.start();
                while (loaded.size() < arrivals && longs.stream().noneMatch(Wave.Pending::isDone)) {
                    Wave.Sample s = Wave.submit(engine, "short-" + loaded.size(), prompts.next(shortPrompt), shortTokens)
                            .await(engine);
                    boolean contended = longs.stream().allMatch(l -> !l.isDone() || l.endNanos() > s.firstTokenNanos());
                    if (contended) {
                        loaded.add(s.usage().timeToFirstTokenNanos() / 1e6);
                    }
                    sleepMillis(50 + gaps.nextInt(100));
                }
                sampler.stop().forEach((k, v) -> stepTimes.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
                for (Wave.Pending l : longs) {
                    l.await(engine);
                }
            }
        }
        Report.Table t = report.table("Short request TTFT", "engine state", "arrivals", "TTFT p50 ms", "TTFT p95 ms",
                "TTFT max ms");
        Report.row(t, "idle", idle.size(), Stats.percentile(idle, 50), Stats.percentile(idle, 95), Stats.percentile(idle, 100));
        Report.row(t, longCount + " long decoding", loaded.size(), Stats.percentile(loaded, 50),
                Stats.percentile(loaded, 95), Stats.percentile(loaded, 100));
        Report.Table steps = report.table("Engine step time while loaded (EngineMetrics.lastStepNanos, sampled)",
                "batch tokens", "what", "steps seen", "p50 ms", "p95 ms", "max ms");
        stepTimes.forEach((tokens, v) -> Report.row(steps, tokens, stepKind(tokens, longCount, shortPrompt), v.size(),
                Stats.percentile(v, 50), Stats.percentile(v, 95), Stats.percentile(v, 100)));
        steps.notes().add("Rounds of long requests used: " + rounds + ". Step times are sampled every 2 ms from"
                + " metrics(); a step shorter than that between two samples is missed.");
    }

    /** Polls an engine's step gauges from its own thread and groups step times by batch tokens. */
    static final class StepSampler implements Runnable {
        private final Engine engine;
        private final TreeMap<Integer, List<Double>> byBatchTokens = new TreeMap<>();
        private volatile boolean stop;
        private Thread thread;

        StepSampler(Engine engine) {
            this.engine = engine;
        }

        void start() {
            thread = Thread.ofPlatform().name("step-sampler").daemon(true).start(this);
        }

        /** Stops polling; returns step times in ms by batch tokens. */
        TreeMap<Integer, List<Double>> stop() {
            stop = true;
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return byBatchTokens;
        }

        @Override
        public void run() {
            long seen = engine.metrics().steps();
            while (!stop) {
                LockSupport.parkNanos(2_000_000);
                EngineMetrics m = engine.metrics();
                if (m.steps() != seen) {
                    seen = m.steps();
                    byBatchTokens.computeIfAbsent(m.lastStepBatchTokens(), k -> new ArrayList<>()).add(m.lastStepNanos() / 1e6);
                }
            }
        }
    }

    private static String stepKind(int tokens, int longCount, int shortPrompt) {
        if (tokens == longCount) {
            return "long decodes only";
        } else if (tokens == longCount + 1) {
            return "long decodes + short decode";
        } else if (tokens == longCount + shortPrompt) {
            return "long decodes + short prompt";
        }
        return "other (long prompts finishing, fewer long)";
    }

    // ---- sweep-config ---------------------------------------------------------------------

    void sweepConfig() {
        int[] batchTokens = options.integers("batch-tokens", 64, 128, 256, 512);
        int[] parallels = options.integers("parallels", 4, 8);
        int runs = options.integer("runs", 3);
        EngineConfig base = options.engineConfig();
        options.checkAllUsed();
        describe(base, runs);
        report.fact("workload", "burst: 8 x (100-token prompt, 32 generated) together; streams: 8 x (16-token prompt,"
                + " 128 generated) together; ignore EOS");
        streams(base, 8, 16, 16); // warm-up
        Report.Table t = report.table("maxBatchTokens x parallel (median of " + runs + " runs; min-max in brackets)",
                "maxBatchTokens", "parallel", "burst TTFT p50 ms", "burst TTFT p95 ms", "burst end-to-end tok/s",
                "8-stream decode tok/s", "8-stream end-to-end tok/s", "other processes, cores (max)");
        for (int mbt : batchTokens) {
            for (int par : parallels) {
                EngineConfig c = new EngineConfig(par, base.contextSize(), mbt, base.maxQueue(), base.threads(),
                        base.threadPoll(), base.contextSize() / par);
                List<Double> p50 = new ArrayList<>();
                List<Double> p95 = new ArrayList<>();
                List<Double> burstRate = new ArrayList<>();
                List<Double> decode = new ArrayList<>();
                List<Double> e2e = new ArrayList<>();
                double foreign = 0;
                for (int r = 0; r < runs; r++) {
                    Burst b = burstOnce(c, 8, 100, 32);
                    p50.add(Stats.percentile(b.ttftMillis(), 50));
                    p95.add(Stats.percentile(b.ttftMillis(), 95));
                    burstRate.add(b.endToEnd());
                    Point p = streams(c, 8, 16, 128);
                    decode.add(p.decode());
                    e2e.add(p.endToEnd());
                    foreign = Math.max(foreign, Math.max(b.foreignCores(), p.foreignCores()));
                }
                Report.row(t, mbt, par, medianRange(p50), medianRange(p95), medianRange(burstRate), medianRange(decode),
                        medianRange(e2e), foreign);
                System.out.printf("maxBatchTokens %d parallel %d: TTFT p50 %s ms, decode %s tok/s%n", mbt, par,
                        medianRange(p50), medianRange(decode));
            }
        }
        t.notes().add("With parallel 4, the 8 requests run as two waves of 4 (the rest queue): 8-stream decode tok/s"
                + " then measures from the first token of wave one to the end of wave two.");
    }

    private static String medianRange(List<Double> v) {
        double[] m = Stats.minMedianMax(v);
        String f = m[1] >= 100 ? "%.0f" : "%.1f";
        return String.format(Locale.ROOT, f + " [" + f + "-" + f + "]", m[1], m[0], m[2]);
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
