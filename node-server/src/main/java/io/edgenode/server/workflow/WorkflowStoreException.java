package io.edgenode.server.workflow;

import java.util.Objects;

/**
 * A workflow store operation that did not happen; nothing of that write was stored. Checked on purpose: the facade
 * maps it (NOT_FOUND 404, CONFLICT 409, UNAVAILABLE 503) and the engine backs off.
 */
public final class WorkflowStoreException extends Exception {
    public enum Kind {
        NOT_FOUND,
        /** The id is taken, or too many events are buffered. */
        CONFLICT,
        /** I/O error, full disk, locked or corrupt database, store closed. */
        UNAVAILABLE
    }

    private final Kind kind;

    public WorkflowStoreException(Kind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public WorkflowStoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }
}
