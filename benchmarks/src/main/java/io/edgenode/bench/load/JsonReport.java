package io.edgenode.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.bench.common.Distribution;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code report.json} and {@code requests.jsonl}. Units are in the field names ({@code _ms},
 * {@code _s}, {@code _tok_s}); a figure that was not measured is {@code null}, never NaN. Stateless.
 */
final class JsonReport {
    static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {}

    static Path write(LoadReport report, List<Path> charts, Path file) throws IOException {
        LoadRunner.Outcome o = report.outcome();
        Workload w = o.workload();
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "edgenode-load-report").put("format_version", FORMAT_VERSION);
        root.put("started", o.started().toString()).put("finished", o.finished().toString());
        RunMeta m = report.meta();
        ObjectNode meta = root.putObject("meta");
        meta.put("commit", m.commit()).put("host", m.host()).put("cpus", m.cpus()).put("os", m.os()).put("java", m.java());
        ArrayNode args = meta.putArray("arguments");
        m.arguments().forEach(args::add);

        ObjectNode wl = root.putObject("workload");
        ArrayNode levels = wl.putArray("concurrency");
        w.concurrency().forEach(levels::add);
        if (w.duration() == null) {
            wl.put("requests", w.requests());
            wl.putNull("duration_s");
        } else {
            wl.putNull("requests");
            wl.put("duration_s", w.duration().toMillis() / 1000.0);
        }
        wl.put("prompt_tokens", w.promptTokens()).put("max_tokens", w.maxTokens())
                .put("exact_tokens", w.exactTokens().name().toLowerCase(java.util.Locale.ROOT))
                .put("stream", w.stream()).put("turns", w.turns()).put("sessions", w.useSessions())
                .put("system_prompt_ratio", w.systemPromptRatio()).put("warmup_requests", w.warmupRequests())
                .put("repeats", w.repeats()).put("temperature", w.temperature()).put("seed", w.seed());

        ArrayNode eps = root.putArray("endpoints");
        for (LoadRunner.EndpointInfo info : o.endpoints()) {
            ObjectNode e = eps.addObject();
            e.put("name", info.endpoint().name()).put("url", info.endpoint().baseUri().toString())
                    .put("model", info.endpoint().model());
            ArrayNode served = e.putArray("served_models");
            info.servedModels().forEach(served::add);
            PromptShape s = info.shape();
            e.putObject("prompt").put("system_words", s.systemWords()).put("user_words", s.userWords())
                    .put("tokens_per_word", s.tokensPerWord()).put("overhead_tokens", s.overheadTokens())
                    .put("calibrated", s.calibrated());
            e.put("sessions", info.sessions()).put("sessions_note", info.sessionsNote())
                    .put("warmup_errors", info.warmupErrors()).put("warmup_note", info.warmupNote());
        }

        ArrayNode results = root.putArray("results");
        for (Map.Entry<String, List<LevelSummary>> entry : report.levels().entrySet()) {
            for (LevelSummary s : entry.getValue()) {
                results.add(level(s));
            }
        }
        ArrayNode ratios = root.putArray("ratios");
        for (Ratio r : report.ratios()) {
            ObjectNode n = ratios.addObject();
            n.put("concurrency", r.concurrency()).put("metric", r.metric()).put("ours", report.reference())
                    .put("other", r.other());
            num(n, "ours_value", r.ours());
            num(n, "other_value", r.theirs());
            num(n, "ratio", r.ratio());
            n.put("higher_is_better", r.higherIsBetter());
        }
        ArrayNode files = root.putArray("charts");
        charts.forEach(p -> files.add(p.getFileName().toString()));
        JSON.writeValue(file.toFile(), root);
        return file;
    }

    private static ObjectNode level(LevelSummary s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("endpoint", s.endpoint()).put("concurrency", s.concurrency()).put("requests", s.requests())
                .put("ok", s.ok()).put("short_outputs", s.shortOutputs());
        ObjectNode errors = n.putObject("errors");
        s.errors().forEach(errors::put);
        ObjectNode samples = n.putObject("error_samples");
        s.errorSample().forEach(samples::put);
        spread(n.putObject("output_tok_s"), s.outputTokensPerSecond());
        spread(n.putObject("requests_s"), s.requestsPerSecond());
        dist(n.putObject("ttft_ms"), s.ttftMs());
        dist(n.putObject("itl_ms"), s.itlMs());
        dist(n.putObject("e2e_ms"), s.e2eMs());
        dist(n.putObject("decode_tok_s"), s.decodeTokensPerSecond());
        num(n, "tokens_per_chunk", s.tokensPerChunk());
        num(n, "prompt_tokens_mean", s.promptTokensMean());
        num(n, "completion_tokens_mean", s.completionTokensMean());
        ArrayNode repeats = n.putArray("repeats");
        for (LevelSummary.RepeatFigures r : s.repeats()) {
            ObjectNode x = repeats.addObject();
            x.put("repeat", r.repeat()).put("wall_s", r.wallSeconds()).put("requests", r.requests()).put("ok", r.ok())
                    .put("output_tokens", r.outputTokens());
            num(x, "output_tok_s", r.outputTokensPerSecond());
            num(x, "requests_s", r.requestsPerSecond());
        }
        ArrayNode turns = n.putArray("turns");
        for (LevelSummary.TurnFigures t : s.turns()) {
            ObjectNode x = turns.addObject();
            x.put("turn", t.turn()).put("requests", t.requests());
            dist(x.putObject("ttft_ms"), t.ttftMs());
            num(x, "prompt_tokens_mean", t.promptTokensMean());
            num(x, "cached_tokens_mean", t.cachedTokensMean());
        }
        return n;
    }

    static Path writeRequests(LoadReport report, Path file) throws IOException {
        ObjectMapper line = new ObjectMapper();
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (LoadRunner.LevelRun run : report.outcome().runs()) {
                for (RequestResult r : run.results()) {
                    ObjectNode n = line.createObjectNode();
                    n.put("endpoint", run.endpoint()).put("concurrency", run.concurrency()).put("repeat", run.repeat())
                            .put("conversation", r.conversation()).put("turn", r.turn())
                            .put("start_ms", r.startNanos() / 1e6).put("ok", r.ok());
                    if (r.ok()) {
                        n.putNull("error");
                    } else {
                        n.put("error", r.errorKey()).put("error_detail", r.errorDetail());
                    }
                    n.put("http_status", r.httpStatus());
                    num(n, "ttft_ms", r.ttftNanos() < 0 ? Double.NaN : r.ttftNanos() / 1e6);
                    n.put("e2e_ms", r.e2eNanos() / 1e6).put("completion_tokens", r.completionTokens())
                            .put("tokens_from_usage", r.tokensFromUsage()).put("content_chunks", r.contentChunks());
                    intOrNull(n, "prompt_tokens", r.promptTokens());
                    intOrNull(n, "cached_tokens", r.cachedTokens());
                    num(n, "decode_tok_s", r.decodeTokensPerSecond());
                    out.write(line.writeValueAsString(n));
                    out.write('\n');
                }
            }
        }
        return file;
    }

    private static void spread(ObjectNode n, Spread s) {
        num(n, "min", s.min());
        num(n, "median", s.median());
        num(n, "max", s.max());
    }

    private static void dist(ObjectNode n, Distribution d) {
        n.put("count", d.count());
        num(n, "min", d.min());
        num(n, "p50", d.p50());
        num(n, "p95", d.p95());
        num(n, "p99", d.p99());
        num(n, "max", d.max());
        num(n, "mean", d.mean());
    }

    private static void num(ObjectNode n, String field, double v) {
        if (Double.isFinite(v)) {
            n.put(field, v);
        } else {
            n.putNull(field);
        }
    }

    private static void intOrNull(ObjectNode n, String field, int v) {
        if (v >= 0) {
            n.put(field, v);
        } else {
            n.putNull(field);
        }
    }
}
