package io.edgenode.server.jobs;

import java.util.Objects;

/**
 * A schedule store operation that did not happen; nothing of that write was stored. Checked on purpose: callers map
 * it (HTTP: NOT_FOUND 404, CONFLICT 409, UNAVAILABLE 503; the scheduler: drop, reload, back off).
 */
public final class ScheduleStoreException extends Exception {
    public enum Kind {
        /** No such schedule or run (or the schedule was deleted). */
        NOT_FOUND,
        /** The id is taken, or the schedule is not in the state the write expected (a due fired already). */
        CONFLICT,
        /** I/O error, read-only or full disk, locked or corrupt database, store closed. */
        UNAVAILABLE
    }

    private final Kind kind;

    public ScheduleStoreException(Kind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public ScheduleStoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }
}
