package io.edgenode.server.session;

import java.util.Objects;

/**
 * A session store operation that did not happen. Checked on purpose: every caller maps it (the HTTP layer:
 * NOT_FOUND to 404, CONFLICT and STALE_VERSION to 409, UNAVAILABLE to 503). When it is thrown by a write, nothing of that write was
 * stored and earlier data is intact.
 */
public final class SessionStoreException extends Exception {
    public enum Kind {
        /** The session does not exist (or has expired). */
        NOT_FOUND,
        /** A session with that id already exists. */
        CONFLICT,
        /**
         * A conditional write of the session's state named a version that is no longer current; {@link
         * #currentVersion()} says which is. Not CONFLICT: that one means "the id is taken", and callers answer the two
         * differently (a new id vs. read the state again).
         */
        STALE_VERSION,
        /** The store cannot serve the operation: I/O error, read-only or full disk, locked or corrupt database. */
        UNAVAILABLE
    }

    private final Kind kind;
    private final long currentVersion;

    public SessionStoreException(Kind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.currentVersion = -1;
    }

    public SessionStoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.currentVersion = -1;
    }

    private SessionStoreException(String message, long currentVersion) {
        super(message);
        this.kind = Kind.STALE_VERSION;
        this.currentVersion = currentVersion;
    }

    /** STALE_VERSION: the session's state is at {@code current}, not at the {@code expected} version. */
    public static SessionStoreException staleVersion(String sessionId, long expected, long current) {
        return new SessionStoreException("the state of session '" + sessionId + "' is at version " + current
                + ", not " + expected + "; read it again and retry", current);
    }

    public Kind kind() {
        return kind;
    }

    /** For STALE_VERSION, the state's version when the write was refused; -1 for the other kinds. */
    public long currentVersion() {
        return currentVersion;
    }
}
