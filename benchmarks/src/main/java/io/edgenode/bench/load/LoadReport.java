package io.edgenode.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The summaries of one {@link LoadRunner.Outcome} and the files made from them: {@code report.json}
 * (every figure), {@code requests.jsonl} (one line per measured request), {@code summary.md} and
 * the PNG charts. Immutable once made.
 *
 * @param levels per endpoint (in the order given), per concurrency level
 * @param ratios the first endpoint over each other one; empty with a single endpoint
 */
public record LoadReport(LoadRunner.Outcome outcome, RunMeta meta, Map<String, List<LevelSummary>> levels,
        List<Ratio> ratios) {

    public static final String JSON = "report.json";
    public static final String REQUESTS = "requests.jsonl";
    public static final String MARKDOWN = "summary.md";

    public static LoadReport of(LoadRunner.Outcome outcome, RunMeta meta) {
        Map<String, List<LevelSummary>> levels = new java.util.LinkedHashMap<>();
        for (LoadRunner.EndpointInfo info : outcome.endpoints()) {
            String name = info.endpoint().name();
            Map<Integer, List<LoadRunner.LevelRun>> byLevel = outcome.runs().stream()
                    .filter(r -> r.endpoint().equals(name))
                    .collect(Collectors.groupingBy(LoadRunner.LevelRun::concurrency, java.util.TreeMap::new,
                            Collectors.toList()));
            List<LevelSummary> summaries = new ArrayList<>();
            byLevel.forEach((c, runs) -> summaries.add(LevelSummary.of(name, c, runs, outcome.workload())));
            levels.put(name, List.copyOf(summaries));
        }
        List<Ratio> ratios = new ArrayList<>();
        List<String> names = new ArrayList<>(levels.keySet());
        for (int i = 1; i < names.size(); i++) {
            ratios.addAll(Ratio.between(levels.get(names.get(0)), levels.get(names.get(i))));
        }
        return new LoadReport(outcome, meta, levels, List.copyOf(ratios));
    }

    /** Writes every file into {@code dir} (created if needed); returns their paths. */
    public List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        List<Path> charts = Charts.write(this, dir);
        files.add(JsonReport.write(this, charts, dir.resolve(JSON)));
        files.add(JsonReport.writeRequests(this, dir.resolve(REQUESTS)));
        files.add(MarkdownReport.write(this, charts, dir.resolve(MARKDOWN)));
        files.addAll(charts);
        return files;
    }

    /** The first endpoint's name: the numerator of every ratio. */
    String reference() {
        return levels.keySet().iterator().next();
    }
}
