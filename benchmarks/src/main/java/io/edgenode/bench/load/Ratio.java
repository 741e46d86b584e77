package io.edgenode.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One figure of the first endpoint ("this node") over the same figure of another, at one
 * concurrency level. Immutable.
 *
 * @param higherIsBetter true for throughputs (a ratio above 1 favours this node), false for latencies
 */
public record Ratio(int concurrency, String metric, String other, double ours, double theirs, double ratio,
        boolean higherIsBetter) {

    private record Metric(String name, boolean higherIsBetter, ToDoubleFunction<LevelSummary> value) {}

    private static final List<Metric> METRICS = List.of(
            new Metric("output_tok_s_median", true, s -> s.outputTokensPerSecond().median()),
            new Metric("requests_s_median", true, s -> s.requestsPerSecond().median()),
            new Metric("ttft_p50_ms", false, s -> s.ttftMs().p50()),
            new Metric("ttft_p95_ms", false, s -> s.ttftMs().p95()),
            new Metric("itl_p50_ms", false, s -> s.itlMs().p50()),
            new Metric("itl_p95_ms", false, s -> s.itlMs().p95()),
            new Metric("e2e_p50_ms", false, s -> s.e2eMs().p50()),
            new Metric("decode_tok_s_p50", true, s -> s.decodeTokensPerSecond().p50()));

    /** Every metric at every level both endpoints ran; NaN ratios where either side has no figure. */
    static List<Ratio> between(List<LevelSummary> ours, List<LevelSummary> theirs) {
        List<Ratio> out = new ArrayList<>();
        for (LevelSummary a : ours) {
            for (LevelSummary b : theirs) {
                if (a.concurrency() != b.concurrency()) {
                    continue;
                }
                for (Metric m : METRICS) {
                    double x = m.value().applyAsDouble(a);
                    double y = m.value().applyAsDouble(b);
                    double r = Double.isFinite(x) && Double.isFinite(y) && y != 0 ? x / y : Double.NaN;
                    out.add(new Ratio(a.concurrency(), m.name(), b.endpoint(), x, y, r, m.higherIsBetter()));
                }
            }
        }
        return out;
    }
}
