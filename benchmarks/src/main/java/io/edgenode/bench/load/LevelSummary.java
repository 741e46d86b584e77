package io.edgenode.bench.load;

import io.edgenode.bench.common.Distribution;
import io.edgenode.bench.common.Stats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures of one endpoint at one concurrency level, over all its repeats. Latency
 * distributions pool the successful requests of every repeat; throughputs are per repeat
 * (min/median/max across repeats). Immutable.
 *
 * @param errors       failed requests by {@link RequestResult#errorKey()}
 * @param errorSample  one detail per error key, for the reader
 * @param shortOutputs successful requests with fewer tokens than asked while exact output was asked for
 * @param ttftMs       send to first content, streaming only
 * @param itlMs        gaps between successive content chunks
 * @param e2eMs        send to the end of the response
 * @param decodeTokensPerSecond per request: tokens after the first over first-to-last content
 * @param tokensPerChunk mean completion tokens per content chunk: above 1 when the endpoint
 *                       coalesces tokens (or holds back the bytes of a multi-byte character), and
 *                       then {@code itlMs} measures chunks, not tokens
 * @param turns        per turn of the conversations (one entry for single-turn workloads)
 */
public record LevelSummary(String endpoint, int concurrency, List<RepeatFigures> repeats, int requests, int ok,
        Map<String, Integer> errors, Map<String, String> errorSample, int shortOutputs, Spread outputTokensPerSecond,
        Spread requestsPerSecond, Distribution ttftMs, Distribution itlMs, Distribution e2eMs,
        Distribution decodeTokensPerSecond, double tokensPerChunk, double promptTokensMean,
        double completionTokensMean, List<TurnFigures> turns) {

    /** One repeat's aggregates: output tokens and successful requests over its wall time. Immutable. */
    public record RepeatFigures(int repeat, double wallSeconds, int requests, int ok, long outputTokens,
            double outputTokensPerSecond, double requestsPerSecond) {}

    /** TTFT and cache use of the n-th turn of every conversation. Immutable. */
    public record TurnFigures(int turn, int requests, Distribution ttftMs, double promptTokensMean,
            double cachedTokensMean) {}

    static LevelSummary of(String endpoint, int concurrency, List<LoadRunner.LevelRun> runs, Workload w) {
        List<RepeatFigures> repeats = new ArrayList<>();
        List<RequestResult> all = new ArrayList<>();
        for (LoadRunner.LevelRun run : runs) {
            double wall = run.wallNanos() / 1e9;
            int ok = 0;
            long tokens = 0;
            for (RequestResult r : run.results()) {
                if (r.ok()) {
                    ok++;
                    tokens += r.completionTokens();
                }
            }
            repeats.add(new RepeatFigures(run.repeat(), wall, run.results().size(), ok, tokens, tokens / wall,
                    ok / wall));
            all.addAll(run.results());
        }
        List<RequestResult> good = all.stream().filter(RequestResult::ok).toList();
        Map<String, Integer> errors = new TreeMap<>();
        Map<String, String> sample = new TreeMap<>();
        for (RequestResult r : all) {
            if (!r.ok()) {
                errors.merge(r.errorKey(), 1, Integer::sum);
                sample.putIfAbsent(r.errorKey(), r.errorDetail());
            }
        }
        int shortOutputs = w.exactTokens() == ExactTokens.NONE ? 0
                : (int) good.stream().filter(r -> r.completionTokens() < w.maxTokens()).count();
        List<Double> itl = new ArrayList<>();
        for (RequestResult r : good) {
            for (long g : r.chunkGapsNanos()) {
                itl.add(g / 1e6);
            }
        }
        List<TurnFigures> turns = new ArrayList<>();
        for (int t = 1; t <= w.turns(); t++) {
            int turn = t;
            List<RequestResult> ofTurn = good.stream().filter(r -> r.turn() == turn).toList();
            turns.add(new TurnFigures(turn, ofTurn.size(), ttft(ofTurn),
                    mean(ofTurn.stream().filter(r -> r.promptTokens() >= 0).map(r -> (double) r.promptTokens()).toList()),
                    mean(ofTurn.stream().filter(r -> r.cachedTokens() >= 0).map(r -> (double) r.cachedTokens()).toList())));
        }
        return new LevelSummary(endpoint, concurrency, List.copyOf(repeats), all.size(), good.size(), errors, sample,
                shortOutputs,
                Spread.of(repeats.stream().map(RepeatFigures::outputTokensPerSecond).toList()),
                Spread.of(repeats.stream().map(RepeatFigures::requestsPerSecond).toList()),
                ttft(good), Stats.distribution(itl),
                Stats.distribution(good.stream().map(r -> r.e2eNanos() / 1e6).toList()),
                Stats.distribution(good.stream().map(RequestResult::decodeTokensPerSecond).filter(Double::isFinite)
                        .toList()),
                tokensPerChunk(good),
                mean(good.stream().filter(r -> r.promptTokens() >= 0).map(r -> (double) r.promptTokens()).toList()),
                mean(good.stream().map(r -> (double) r.completionTokens()).toList()),
                List.copyOf(turns));
    }

    private static Distribution ttft(List<RequestResult> rs) {
        return Stats.distribution(rs.stream().filter(r -> r.ttftNanos() >= 0).map(r -> r.ttftNanos() / 1e6).toList());
    }

    private static double tokensPerChunk(List<RequestResult> rs) {
        long tokens = 0;
        long chunks = 0;
        for (RequestResult r : rs) {
            if (r.contentChunks() > 0) {
                tokens += r.completionTokens();
                chunks += r.contentChunks();
            }
        }
        return chunks == 0 ? Double.NaN : tokens / (double) chunks;
    }

    private static double mean(List<Double> v) {
        return v.isEmpty() ? Double.NaN : v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
