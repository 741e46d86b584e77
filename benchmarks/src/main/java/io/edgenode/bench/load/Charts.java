package io.edgenode.bench.load;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The report's PNG charts, drawn with XChart off screen ({@code java.awt.headless}, set here when
 * not set, so a server without a display draws them): output throughput and TTFT p50/p95 against
 * concurrency, one series per endpoint, and TTFT p50 per turn for multi-turn workloads. A chart
 * with no measured point is not written. Stateless.
 */
final class Charts {
    static final String THROUGHPUT = "throughput.png";
    static final String TTFT = "ttft.png";
    static final String TTFT_PER_TURN = "ttft-per-turn.png";

    private Charts() {}

    static List<Path> write(LoadReport report, Path dir) throws IOException {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        List<Path> out = new ArrayList<>();
        Map<String, List<LevelSummary>> levels = report.levels();

        XYChart tput = chart("Output throughput vs concurrency", "concurrent clients", "output tokens/s (median of repeats)");
        boolean any = false;
        for (var e : levels.entrySet()) {
            any |= series(tput, e.getKey(), e.getValue(), s -> s.outputTokensPerSecond().median());
        }
        save(tput, any, dir.resolve(THROUGHPUT), out);

        XYChart ttft = chart("Time to first token vs concurrency", "concurrent clients", "TTFT (ms)");
        any = false;
        for (var e : levels.entrySet()) {
            any |= series(ttft, e.getKey() + " p50", e.getValue(), s -> s.ttftMs().p50());
            any |= series(ttft, e.getKey() + " p95", e.getValue(), s -> s.ttftMs().p95());
        }
        save(ttft, any, dir.resolve(TTFT), out);

        if (report.outcome().workload().turns() > 1) {
            XYChart turns = chart("Time to first token per turn", "turn", "TTFT p50 (ms)");
            any = false;
            for (var e : levels.entrySet()) {
                for (LevelSummary s : e.getValue()) {
                    double[] x = new double[s.turns().size()];
                    double[] y = new double[s.turns().size()];
                    int n = 0;
                    for (LevelSummary.TurnFigures t : s.turns()) {
                        if (Double.isFinite(t.ttftMs().p50())) {
                            x[n] = t.turn();
                            y[n++] = t.ttftMs().p50();
                        }
                    }
                    if (n > 0) {
                        turns.addSeries(e.getKey() + " c=" + s.concurrency(), java.util.Arrays.copyOf(x, n),
                                java.util.Arrays.copyOf(y, n));
                        any = true;
                    }
                }
            }
            save(turns, any, dir.resolve(TTFT_PER_TURN), out);
        }
        return out;
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setDecimalPattern("#,##0.#");
        return c;
    }

    /** Adds the levels' finite points of {@code value} as one series; false when there is none. */
    private static boolean series(XYChart chart, String name, List<LevelSummary> levels,
            ToDoubleFunction<LevelSummary> value) {
        double[] x = new double[levels.size()];
        double[] y = new double[levels.size()];
        int n = 0;
        for (LevelSummary s : levels) {
            double v = value.applyAsDouble(s);
            if (Double.isFinite(v)) {
                x[n] = s.concurrency();
                y[n++] = v;
            }
        }
        if (n == 0) {
            return false;
        }
        chart.addSeries(name, java.util.Arrays.copyOf(x, n), java.util.Arrays.copyOf(y, n));
        return true;
    }

    private static void save(XYChart chart, boolean any, Path file, List<Path> out) throws IOException {
        if (!any) {
            return;
        }
        if (!ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", file.toFile())) {
            throw new IOException("no PNG writer in this JDK");
        }
        out.add(file);
    }
}
