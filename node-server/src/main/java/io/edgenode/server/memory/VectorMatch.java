package io.edgenode.server.memory;

/**
 * One vector as a query or a get returns it. Immutable by convention ({@code values} is a copy).
 *
 * @param score        the metric's value (cosine similarity, dot product or euclidean distance);
 *                     NaN for {@code get_by_ids}, which does not score
 * @param values       the stored vector, or null when not asked for
 * @param metadataJson the stored metadata as JSON, or null when not asked for or absent
 */
public record VectorMatch(String id, String namespace, double score, float[] values, String metadataJson) {}
