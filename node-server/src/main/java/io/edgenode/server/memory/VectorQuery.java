package io.edgenode.server.memory;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One validated kNN query. Immutable by convention ({@code vector} is not modified after
 * construction; {@code filter} is read only).
 *
 * @param filter         the metadata filter as the client wrote it (null: none), already checked
 * @param numCandidates  HNSW candidates explored per segment (Lucene's {@code k} for the graph
 *                       search; at least {@code topK}): more is slower and closer to exact
 */
public record VectorQuery(float[] vector, int topK, String namespace, JsonNode filter, boolean returnValues,
        boolean returnMetadata, int numCandidates) {
    public static final int MAX_TOP_K = 100;
    public static final int DEFAULT_NUM_CANDIDATES = 100;
    public static final int MAX_NUM_CANDIDATES = 1000;

    public VectorQuery {
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(namespace, "namespace");
        if (topK < 1 || topK > MAX_TOP_K) {
            throw MemoryException.invalid("top_k", "top_k must be an integer in 1.." + MAX_TOP_K + ", got " + topK);
        }
        if (numCandidates < topK || numCandidates > MAX_NUM_CANDIDATES) {
            throw MemoryException.invalid("num_candidates", "num_candidates must be in top_k.." + MAX_NUM_CANDIDATES
                    + ", got " + numCandidates);
        }
    }
}
