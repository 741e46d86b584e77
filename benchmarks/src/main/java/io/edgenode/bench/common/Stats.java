package io.edgenode.bench.common;

import java.util.Arrays;
import java.util.List;

/** Order statistics of a handful of benchmark samples (shared by the engine and HTTP benches): min/median/max and nearest-rank percentiles. Stateless. */
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
        double[] v = sorted(values);
        int rank = (int) Math.ceil(p / 100.0 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    public static String mmm(double[] m, String format) {
        return String.format(format, m[0]) + " / " + String.format(format, m[1]) + " / " + String.format(format, m[2]);
    }

    public static String mmm(List<Double> values, String format) {
        return mmm(minMedianMax(values), format);
    }

    public static String list(List<Double> values, String format) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.isEmpty() ? "" : ", ").append(String.format(format, v));
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
