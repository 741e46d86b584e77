package io.edgenode.bench.engine;

import java.util.Arrays;
import java.util.List;

/** Order statistics of a handful of samples: min/median/max and nearest-rank percentiles. Stateless. */
final class Stats {
    private Stats() {}

    /** {@code [min, median, max]}; the median of an even count is the mean of the two middle values. */
    static double[] minMedianMax(List<Double> values) {
        double[] v = sorted(values);
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return new double[] {v[0], median, v[n - 1]};
    }

    /** Nearest-rank percentile ({@code p} in 0..100): the smallest sample with at least p % at or below it. */
    static double percentile(List<Double> values, double p) {
        double[] v = sorted(values);
        int rank = (int) Math.ceil(p / 100.0 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    static String mmm(double[] m, String format) {
        return String.format(format, m[0]) + " / " + String.format(format, m[1]) + " / " + String.format(format, m[2]);
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
