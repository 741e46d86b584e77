package io.edgenode.bench.load;

import io.edgenode.bench.common.Distribution;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code summary.md}: the run's setup, one table per endpoint, errors, turns, ratios, charts. Stateless. */
final class MarkdownReport {
    private MarkdownReport() {}

    static Path write(LoadReport report, List<Path> charts, Path file) throws IOException {
        Files.writeString(file, render(report, charts), StandardCharsets.UTF_8);
        return file;
    }

    static String render(LoadReport report, List<Path> charts) {
        LoadRunner.Outcome o = report.outcome();
        Workload w = o.workload();
        RunMeta m = report.meta();
        StringBuilder sb = new StringBuilder();
        sb.append("# Load benchmark ").append(o.started()).append("\n\n");
        sb.append("Commit `").append(m.commit()).append("`, host ").append(m.host()).append(" (").append(m.cpus())
                .append(" CPUs, ").append(m.os()).append("), ").append(m.java()).append(".\n\n");
        sb.append("Command: `bench ").append(String.join(" ", m.arguments())).append("`\n\n");
        sb.append("Workload: concurrency ").append(w.concurrency().stream().map(String::valueOf)
                        .collect(Collectors.joining(", ")))
                .append("; ").append(w.duration() == null ? w.requests() + " requests" : w.duration().toSeconds() + " s")
                .append(" per level and repeat; ").append(w.repeats()).append(" repeat(s); prompt about ")
                .append(w.promptTokens()).append(" tokens (system share ").append(fmt(w.systemPromptRatio(), "%.2f"))
                .append("); ").append(w.maxTokens()).append(" output tokens (exact: ")
                .append(w.exactTokens().name().toLowerCase(Locale.ROOT)).append("); ")
                .append(w.stream() ? "streaming" : "not streaming").append("; ").append(w.turns())
                .append(" turn(s) per conversation; temperature ").append(w.temperature()).append("; ")
                .append(w.warmupRequests()).append(" warm-up request(s) per endpoint, excluded.\n\n");

        sb.append("| endpoint | URL | model | served | prompt words (system+user) | tokens/word | multi-turn | warm-up errors |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (LoadRunner.EndpointInfo e : o.endpoints()) {
            PromptShape s = e.shape();
            sb.append("| ").append(e.endpoint().name()).append(" | ").append(e.endpoint().baseUri()).append(" | ")
                    .append(e.endpoint().model()).append(" | ").append(String.join(", ", e.servedModels()))
                    .append(" | ").append(s.systemWords()).append("+").append(s.userWords()).append(" | ")
                    .append(s.calibrated() ? fmt(s.tokensPerWord(), "%.2f") : "not calibrated").append(" | ")
                    .append(e.sessionsNote().isEmpty() ? "-" : e.sessionsNote()).append(" | ")
                    .append(e.warmupErrors()).append(e.warmupErrors() > 0 ? " (" + e.warmupNote() + ")" : "")
                    .append(" |\n");
        }
        sb.append("\nLatencies pool every successful request of a level (all repeats); percentiles are nearest-rank. "
                + "Throughputs are per repeat, min / median / max. ITL: gaps between content chunks (per token when"
                + " tok/chunk is 1). Short: requests that got fewer tokens than asked.\n");

        for (Map.Entry<String, List<LevelSummary>> e : report.levels().entrySet()) {
            sb.append("\n## ").append(e.getKey()).append("\n\n");
            sb.append("| c | requests | ok | errors | output tok/s | req/s | TTFT p50 / p95 / p99 ms"
                    + " | ITL p50 / p95 / p99 ms | e2e p50 / p95 / p99 ms | decode tok/s p50 | tok/chunk | prompt tok"
                    + " | short |\n");
            sb.append("|---:|---:|---:|---|---|---|---|---|---|---:|---:|---:|---:|\n");
            for (LevelSummary s : e.getValue()) {
                sb.append("| ").append(s.concurrency()).append(" | ").append(s.requests()).append(" | ").append(s.ok())
                        .append(" | ").append(errors(s.errors())).append(" | ").append(spread(s.outputTokensPerSecond()))
                        .append(" | ").append(spread(s.requestsPerSecond(), "%.2f")).append(" | ").append(pcts(s.ttftMs()))
                        .append(" | ").append(pcts(s.itlMs())).append(" | ").append(pcts(s.e2eMs())).append(" | ")
                        .append(fmt(s.decodeTokensPerSecond().p50(), "%.1f")).append(" | ")
                        .append(fmt(s.tokensPerChunk(), "%.2f")).append(" | ")
                        .append(fmt(s.promptTokensMean(), "%.0f")).append(" | ").append(s.shortOutputs()).append(" |\n");
            }
            boolean anyErrors = e.getValue().stream().anyMatch(s -> !s.errors().isEmpty());
            if (anyErrors) {
                sb.append("\nErrors (one example of each kind):\n\n");
                for (LevelSummary s : e.getValue()) {
                    s.errorSample().forEach((k, v) -> sb.append("- c=").append(s.concurrency()).append(" `").append(k)
                            .append("` x").append(s.errors().get(k)).append(": ").append(v.replace('|', '/')).append('\n'));
                }
            }
            if (w.turns() > 1) {
                sb.append("\nPer turn (TTFT p50 / p95 ms, mean prompt tokens, mean cached tokens):\n\n");
                sb.append("| c | turn | requests | TTFT p50 / p95 ms | prompt tok | cached tok |\n|---:|---:|---:|---|---:|---:|\n");
                for (LevelSummary s : e.getValue()) {
                    for (LevelSummary.TurnFigures t : s.turns()) {
                        sb.append("| ").append(s.concurrency()).append(" | ").append(t.turn()).append(" | ")
                                .append(t.requests()).append(" | ").append(fmt(t.ttftMs().p50(), "%.1f")).append(" / ")
                                .append(fmt(t.ttftMs().p95(), "%.1f")).append(" | ")
                                .append(fmt(t.promptTokensMean(), "%.0f")).append(" | ")
                                .append(fmt(t.cachedTokensMean(), "%.0f")).append(" |\n");
                    }
                }
            }
        }

        if (!report.ratios().isEmpty()) {
            sb.append("\n## Ratios: ").append(report.reference()).append(" / other\n\n");
            sb.append("Above 1 favours ").append(report.reference())
                    .append(" for throughputs (higher is better), below 1 for latencies (lower is better).\n\n");
            sb.append("| c | other | metric | ").append(report.reference()).append(" | other | ratio |\n");
            sb.append("|---:|---|---|---:|---:|---:|\n");
            for (Ratio r : report.ratios()) {
                sb.append("| ").append(r.concurrency()).append(" | ").append(r.other()).append(" | ").append(r.metric())
                        .append(r.higherIsBetter() ? " (higher better)" : " (lower better)").append(" | ")
                        .append(fmt(r.ours(), "%.2f")).append(" | ").append(fmt(r.theirs(), "%.2f")).append(" | ")
                        .append(fmt(r.ratio(), "%.3f")).append(" |\n");
            }
        }
        if (!charts.isEmpty()) {
            sb.append("\n## Charts\n\n");
            for (Path c : charts) {
                String name = c.getFileName().toString();
                sb.append("![").append(name).append("](").append(name).append(")\n\n");
            }
        }
        return sb.toString();
    }

    private static String errors(Map<String, Integer> errors) {
        return errors.isEmpty() ? "0" : errors.entrySet().stream().map(x -> x.getKey() + " " + x.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String pcts(Distribution d) {
        return d.count() == 0 ? "-" : fmt(d.p50(), "%.1f") + " / " + fmt(d.p95(), "%.1f") + " / " + fmt(d.p99(), "%.1f");
    }

    private static String spread(Spread s) {
        return spread(s, "%.1f");
    }

    private static String spread(Spread s, String f) {
        return Double.isNaN(s.median()) ? "-" : fmt(s.min(), f) + " / " + fmt(s.median(), f) + " / " + fmt(s.max(), f);
    }

    private static String fmt(double v, String f) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, f, v) : "-";
    }
}
