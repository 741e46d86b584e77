package io.edgenode.bench.common;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Order statistics of benchmark samples (shared by the engine, HTTP and load benches):
 * min/median/max and percentiles. Stateless.
 *
 * <p>Percentiles are <b>nearest-rank</b>: the p-th percentile of n sorted samples is the sample of
 * rank {@code ceil(p / 100 * n)} (1-based; rank 1 for p = 0), so it is always one of the samples,
 * never an interpolation between two. With few samples the high percentiles are therefore the
 * maximum (p99 of fewer than 100 samples is the largest), which is the honest reading.
 */
public final class Stats {
    private Stats() {}

    /** {@code [min, median, max]}; the median of an even count is the mean of the two middle values. */
    public static double[] minMedianMax(List<Double> values) {
        double[] v = sorted(values);
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return new double[] {v[0], median, v[n - 1]};
    }

    /** Nearest-rank percentile ({@code p} in 0..100): the smallest sample with at least p % at or below it. */
    public static double percentile(List<Double> values, double p) {
        return percentileOfSorted(sorted(values), p);
    }

    /**
     * Nearest-rank percentile of samples already sorted ascending.
     *
     * @throws IllegalArgumentException if {@code sorted} is empty or {@code p} is outside 0..100
     */
    public static double percentileOfSorted(double[] sorted, double p) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        if (!(p >= 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in 0..100: " + p);
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /**
     * Count, min, nearest-rank p50/p95/p99, max and mean of {@code values}; {@link Distribution#EMPTY}
     * when there are none.
     *
     * @throws IllegalArgumentException on a NaN sample (it would sort last and pose as the maximum)
     */
    public static Distribution distribution(List<Double> values) {
        if (values.isEmpty()) {
            return Distribution.EMPTY;
        }
        double[] v = sorted(values);
        if (Double.isNaN(v[v.length - 1])) {
            throw new IllegalArgumentException("NaN sample");
        }
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return new Distribution(v.length, v[0], percentileOfSorted(v, 50), percentileOfSorted(v, 95),
                percentileOfSorted(v, 99), v[v.length - 1], sum / v.length);
    }

    public static String mmm(double[] m, String format) {
        return String.format(Locale.ROOT, format, m[0]) + " / " + String.format(Locale.ROOT, format, m[1]) + " / "
                + String.format(Locale.ROOT, format, m[2]);
    }

    public static String mmm(List<Double> values, String format) {
        return mmm(minMedianMax(values), format);
    }

    public static String list(List<Double> values, String format) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, format, v));
        }
        return sb.toString();
    }

    private static double[] sorted(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no samples");
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v;
    }
}
