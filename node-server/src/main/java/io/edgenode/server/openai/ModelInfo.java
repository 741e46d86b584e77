package io.edgenode.server.openai;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One entry of {@code GET /v1/models}: OpenAI's {@code {"id":...,"object":"model","created":...,
 * "owned_by":...}} and beside it our {@code status} ({@code available}, {@code downloading} with
 * {@code progress} 0..1, {@code loading}, {@code loaded}, {@code failed} with {@code error}).
 *
 * @param created Unix time in seconds (when the model was loaded, 0 when it is not)
 * @param status lower-case state; null to leave the field out
 */
public record ModelInfo(String id, long created, String ownedBy, String status, OptionalDouble progress,
        Optional<String> error) {
    public ModelInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(ownedBy, "ownedBy");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(error, "error");
    }

    /** OpenAI's four fields only. */
    public ModelInfo(String id, long created, String ownedBy) {
        this(id, created, ownedBy, null, OptionalDouble.empty(), Optional.empty());
    }
}
