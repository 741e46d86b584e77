package io.edgenode.store.pull;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of one pull, handed to {@link PullListener}s.
 *
 * @param target the file being pulled
 * @param bytesDone bytes in the {@code .part} file so far (a resumed pull starts above zero)
 * @param totalBytes the file's size, or -1 while unknown (before the response, or a server that
 *     sends no length)
 * @param state where the pull is
 * @param error the failure's message when {@code state} is {@link State#FAILED}
 */
public record PullProgress(Path target, long bytesDone, long totalBytes, State state, Optional<String> error) {
    /** A pull's states, in order; {@code DONE} and {@code FAILED} are final. */
    public enum State { STARTING, DOWNLOADING, VERIFYING, DONE, FAILED }

    public PullProgress {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(error, "error");
    }

    /** The fraction done, 0..1, or -1 when the total is unknown. */
    public double fraction() {
        if (totalBytes < 0) {
            return -1;
        }
        if (totalBytes == 0) {
            return 1;
        }
        return Math.min(1.0, (double) bytesDone / totalBytes);
    }

    /** Whether the pull has ended, either way. */
    public boolean isFinished() {
        return state == State.DONE || state == State.FAILED;
    }
}
