package io.edgenode.server.node;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Where a configured model stands, for {@code GET /v1/models}. Immutable snapshot.
 *
 * @param progress download progress 0..1, only while {@code DOWNLOADING}
 * @param error why the last load failed, only when {@code FAILED}
 * @param createdEpochSeconds when it was loaded (0 when it is not)
 */
public record ModelStatus(String id, State state, OptionalDouble progress, Optional<String> error,
        long createdEpochSeconds) {

    /** Lower-case in JSON: {@code available}, {@code downloading}, ... */
    public enum State {
        /** Configured, not in memory; loads on the first request. */
        AVAILABLE,
        DOWNLOADING,
        LOADING,
        LOADED,
        FAILED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public ModelStatus {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(error, "error");
    }
}
