package io.edgenode.core.embed;

import java.util.List;
import java.util.Objects;

/**
 * The vectors of one {@link Embedder} call, in input order, with each input's token count (special
 * tokens included: what the model ran on, what usage bills).
 *
 * <p>Vectors are L2-normalised (cosine similarity is their dot product). The arrays are the
 * caller's to keep: nothing else holds them.
 */
public record EmbeddingResult(List<float[]> vectors, int[] tokenCounts) {

    public EmbeddingResult {
        Objects.requireNonNull(vectors, "vectors");
        Objects.requireNonNull(tokenCounts, "tokenCounts");
        vectors = List.copyOf(vectors);
        if (vectors.size() != tokenCounts.length) {
            throw new IllegalArgumentException(
                    vectors.size() + " vectors but " + tokenCounts.length + " token counts");
        }
        tokenCounts = tokenCounts.clone();
    }

    /** Number of inputs. */
    public int size() {
        return vectors.size();
    }

    /** The vector of input {@code i}. */
    public float[] vector(int i) {
        return vectors.get(i);
    }

    /** Tokens of input {@code i}. */
    public int tokenCount(int i) {
        return tokenCounts[i];
    }

    /** Tokens of all inputs together ({@code usage.prompt_tokens}). */
    public long totalTokens() {
        long total = 0;
        for (int n : tokenCounts) {
            total += n;
        }
        return total;
    }

    @Override
    public int[] tokenCounts() {
        return tokenCounts.clone();
    }
}
