package io.edgenode.server.config;

/**
 * What one model's requests cost, from {@code gateway.prices} in models.yaml: dollars per million
 * tokens of each kind, and dollars per second of engine compute (what the box really spends: a
 * request's share of each decode step). All >= 0.
 */
public record ModelPrice(double inputPerMillion, double cachedInputPerMillion, double outputPerMillion,
        double computePerSecond) {
    public static final ModelPrice FREE = new ModelPrice(0, 0, 0, 0);

    public ModelPrice {
        check(inputPerMillion, "input");
        check(cachedInputPerMillion, "cached_input");
        check(outputPerMillion, "output");
        check(computePerSecond, "compute_per_second");
    }

    private static void check(double v, String name) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be a finite price >= 0, got " + v);
        }
    }

    /**
     * The cost in nano-dollars (1e-9 USD), rounded up so that a budget never undercounts.
     * {@code cachedTokens} are part of {@code promptTokens}, priced at the cached rate.
     */
    public long costNanoUsd(long promptTokens, long cachedTokens, long completionTokens, long computeNanos) {
        long fresh = Math.max(0, promptTokens - cachedTokens);
        double nano = fresh * inputPerMillion * 1e3 + Math.min(cachedTokens, promptTokens) * cachedInputPerMillion * 1e3
                + completionTokens * outputPerMillion * 1e3 + computeNanos * computePerSecond;
        return (long) Math.ceil(nano);
    }

    public boolean isFree() {
        return inputPerMillion == 0 && cachedInputPerMillion == 0 && outputPerMillion == 0 && computePerSecond == 0;
    }
}
