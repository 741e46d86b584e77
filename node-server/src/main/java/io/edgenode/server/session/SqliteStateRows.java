package io.edgenode.server.session;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The SQL of session state documents (the {@code state_*} columns of {@code sessions}, schema version 2), kept out
 * of {@link SqliteSessionStore} so that it stays readable. Stateless; called with the store's connection, under its
 * lock and, for writes, inside its transaction.
 */
final class SqliteStateRows {
    private SqliteStateRows() {}

    /** The live session's state, or empty when the session is unknown or expired at {@code now}. */
    static Optional<SessionState> read(Connection c, String sessionId, long now) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT state_version, state_json, state_updated_at"
                + " FROM sessions WHERE id = ? AND " + SqliteSessionStore.LIVE)) {
            st.setString(1, sessionId);
            st.setLong(2, now);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next()
                        ? Optional.of(new SessionState(sessionId, rs.getLong(1), rs.getString(2), rs.getLong(3)))
                        : Optional.empty();
            }
        }
    }

    /**
     * The read-check-change-write of {@link SessionStore#updateState}; the caller runs it in one IMMEDIATE
     * transaction, so no other writer (thread or process) can slip a version in between the read and the write.
     */
    static SessionState update(Connection c, String sessionId, long expectedVersion, UnaryOperator<String> change,
            long now) throws SQLException, SessionStoreException {
        SessionState current = read(c, sessionId, now).orElseThrow(() -> new SessionStoreException(
                SessionStoreException.Kind.NOT_FOUND, "no session '" + sessionId + "'"));
        if (expectedVersion >= 0 && expectedVersion != current.version()) {
            throw SessionStoreException.staleVersion(sessionId, expectedVersion, current.version());
        }
        String json = Objects.requireNonNull(change.apply(current.json()), "the changed state");
        int bytes = json.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > SessionState.MAX_JSON_BYTES) {
            throw new StateTooLargeException(bytes);
        }
        SessionState next = new SessionState(sessionId, current.version() + 1, json, now);
        try (PreparedStatement st = c.prepareStatement("UPDATE sessions SET state_json = ?, state_version = ?,"
                + " state_updated_at = ? WHERE id = ?")) {
            st.setString(1, next.json());
            st.setLong(2, next.version());
            st.setLong(3, next.updatedAtMillis());
            st.setString(4, sessionId);
            st.executeUpdate();
        }
        return next;
    }
}
