package io.edgenode.bench.load;

import io.edgenode.bench.common.Stats;
import java.util.List;

/** Min, median and max of one figure across repeats; NaN when there is none. Immutable. */
public record Spread(double min, double median, double max) {
    static final Spread NONE = new Spread(Double.NaN, Double.NaN, Double.NaN);

    static Spread of(List<Double> values) {
        List<Double> finite = values.stream().filter(Double::isFinite).toList();
        if (finite.isEmpty()) {
            return NONE;
        }
        double[] m = Stats.minMedianMax(finite);
        return new Spread(m[0], m[1], m[2]);
    }
}
