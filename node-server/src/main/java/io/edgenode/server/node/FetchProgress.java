package io.edgenode.server.node;

import java.util.Objects;
import java.util.Optional;

/**
 * Progress of a model file's download, as {@code GET /admin/models/{id}/pull} streams it and
 * {@code /v1/models} summarizes it. Immutable.
 *
 * @param totalBytes the file's size, or -1 while unknown
 */
public record FetchProgress(String modelId, long bytesDone, long totalBytes, State state, Optional<String> error) {
    public enum State { STARTING, DOWNLOADING, VERIFYING, DONE, FAILED }

    public FetchProgress {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(error, "error");
    }

    /** 0..1; 0 while the size is unknown. */
    public double fraction() {
        return totalBytes <= 0 ? (state == State.DONE ? 1 : 0) : Math.min(1.0, (double) bytesDone / totalBytes);
    }

    public boolean isFinal() {
        return state == State.DONE || state == State.FAILED;
    }
}
