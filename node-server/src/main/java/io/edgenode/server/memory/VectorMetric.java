package io.edgenode.server.memory;

import java.util.Locale;
import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * How an index compares vectors, and how Lucene's score (always "higher is closer", in (0, 1] or
 * above) maps back to the metric's own value, which is what the API returns.
 *
 * <ul>
 *   <li>{@code cosine}: vectors are normalised to unit length on the way in and compared with
 *       Lucene's {@code DOT_PRODUCT} (which requires unit vectors and is cheaper than {@code COSINE},
 *       which normalises at every comparison). Score: the cosine similarity, {@code 2s - 1}.</li>
 *   <li>{@code dot}: raw vectors, {@code MAXIMUM_INNER_PRODUCT} (valid for any vectors, unlike
 *       {@code DOT_PRODUCT}). Lucene scores {@code d < 0 ? 1/(1-d) : d+1}; we invert it.</li>
 *   <li>{@code euclidean}: {@code EUCLIDEAN}, scored {@code 1/(1+d^2)}; we return the distance
 *       {@code d} (lower is closer; results still come closest first).</li>
 * </ul>
 */
public enum VectorMetric {
    COSINE(VectorSimilarityFunction.DOT_PRODUCT),
    DOT(VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT),
    EUCLIDEAN(VectorSimilarityFunction.EUCLIDEAN);

    private final VectorSimilarityFunction lucene;

    VectorMetric(VectorSimilarityFunction lucene) {
        this.lucene = lucene;
    }

    /** The name on the wire: {@code cosine}, {@code dot}, {@code euclidean}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The metric named {@code name} on the wire ({@code dot_product} is accepted for {@code dot}), or null. */
    public static VectorMetric ofWire(String name) {
        return switch (name) {
            case "cosine" -> COSINE;
            case "dot", "dot_product", "dotproduct" -> DOT;
            case "euclidean", "l2" -> EUCLIDEAN;
            default -> null;
        };
    }

    VectorSimilarityFunction lucene() {
        return lucene;
    }

    /** Whether stored vectors are unit-normalised (the original norm is kept beside them). */
    boolean normalises() {
        return this == COSINE;
    }

    /** The metric's value for a Lucene score {@code s}. */
    double fromLuceneScore(float s) {
        return switch (this) {
            case COSINE -> 2.0 * s - 1.0;
            case DOT -> s >= 1f ? s - 1.0 : 1.0 - 1.0 / s;
            case EUCLIDEAN -> Math.sqrt(Math.max(0.0, 1.0 / s - 1.0));
        };
    }
}
