package io.edgenode.server.session;

import java.util.Objects;

/**
 * A session store operation that did not happen. Checked on purpose: every caller maps it (the HTTP layer:
 * NOT_FOUND to 404, CONFLICT to 409, UNAVAILABLE to 503). When it is thrown by a write, nothing of that write was
 * stored and earlier data is intact.
 */
public final class SessionStoreException extends Exception {
    public enum Kind {
        /** The session does not exist (or has expired). */
        NOT_FOUND,
        /** A session with that id already exists. */
        CONFLICT,
        /** The store cannot serve the operation: I/O error, read-only or full disk, locked or corrupt database. */
        UNAVAILABLE
    }

    private final Kind kind;

    public SessionStoreException(Kind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public SessionStoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }
}
