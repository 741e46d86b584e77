package io.edgenode.bench.common;

/**
 * The summary of one set of samples, in the samples' unit; percentiles are nearest-rank (see
 * {@link Stats}). Immutable.
 *
 * @param count samples; 0 for {@link #EMPTY}, whose other fields are NaN
 */
public record Distribution(int count, double min, double p50, double p95, double p99, double max, double mean) {
    public static final Distribution EMPTY =
            new Distribution(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    /** Every field multiplied by {@code factor} (e.g. nanoseconds to milliseconds). */
    public Distribution scaled(double factor) {
        return count == 0 ? this : new Distribution(count, min * factor, p50 * factor, p95 * factor, p99 * factor,
                max * factor, mean * factor);
    }
}
