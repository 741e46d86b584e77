package io.edgenode.server.memory;

import java.util.List;
import java.util.Objects;

/**
 * One validated vector, ready to be written: the values already checked against the index
 * (dimensions, finite) and, for a cosine index, not yet normalised (the index does that). Crosses
 * from the request thread to the index; {@code values} is not modified after construction.
 *
 * @param metadataJson the metadata object as canonical JSON, or null
 * @param fields       the metadata's filterable scalars (flattened keys)
 */
public record VectorRecord(String id, String namespace, float[] values, String metadataJson,
        List<MetadataFields.Scalar> fields) {
    public VectorRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(values, "values");
        fields = List.copyOf(fields);
    }
}
