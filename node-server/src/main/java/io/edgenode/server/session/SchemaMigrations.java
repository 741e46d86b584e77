package io.edgenode.server.session;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The session database's schema as an ordered list of migrations, and the code that brings a database up to date.
 * The version lives in SQLite's header ({@code PRAGMA user_version}), which is written inside the same transaction
 * as the migration's statements: a migration is either fully applied with its version, or not at all.
 * Confined to the thread that opens the store.
 */
public final class SchemaMigrations {
    /** One step: the statements that take the schema from {@code version - 1} to {@code version}. */
    public record Migration(int version, String description, List<String> statements) {
        public Migration {
            statements = List.copyOf(statements);
        }
    }

    /**
     * Append new steps at the end; never edit a released one (databases in the field have already run it).
     * STRICT tables make SQLite check column types. Times are epoch millis; expires_at 0 means never.
     */
    static final List<Migration> ALL = List.of(
            new Migration(1, "sessions and turns", List.of(
                    """
                    CREATE TABLE sessions (
                        id                TEXT    NOT NULL PRIMARY KEY,
                        model             TEXT    NOT NULL,
                        system_prompt     TEXT,
                        metadata_json     TEXT    NOT NULL,
                        created_at        INTEGER NOT NULL,
                        updated_at        INTEGER NOT NULL,
                        expires_at        INTEGER NOT NULL,
                        ttl_ms            INTEGER NOT NULL,
                        turn_count        INTEGER NOT NULL DEFAULT 0,
                        prompt_tokens     INTEGER NOT NULL DEFAULT 0,
                        completion_tokens INTEGER NOT NULL DEFAULT 0,
                        cont_model        TEXT,
                        cont_tokens       BLOB,
                        cont_text         TEXT
                    ) STRICT""",
                    "CREATE INDEX sessions_by_creation ON sessions (created_at, id)",
                    "CREATE INDEX sessions_by_expiry ON sessions (expires_at) WHERE expires_at > 0",
                    """
                    CREATE TABLE turns (
                        session_id        TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
                        idx               INTEGER NOT NULL,
                        input_json        TEXT    NOT NULL,
                        reply             TEXT    NOT NULL,
                        prompt_tokens     INTEGER NOT NULL,
                        completion_tokens INTEGER NOT NULL,
                        cached_tokens     INTEGER NOT NULL,
                        finish_reason     TEXT,
                        created_at        INTEGER NOT NULL,
                        PRIMARY KEY (session_id, idx)
                    ) STRICT""")),
            // Columns of the session row, not a table of their own: the state lives and dies with its session (a
            // delete or the sweeper removes both in one statement), and a turn reads it with the session.
            new Migration(2, "session state documents", List.of(
                    "ALTER TABLE sessions ADD COLUMN state_json TEXT NOT NULL DEFAULT '{}'",
                    "ALTER TABLE sessions ADD COLUMN state_version INTEGER NOT NULL DEFAULT 0",
                    "ALTER TABLE sessions ADD COLUMN state_updated_at INTEGER NOT NULL DEFAULT 0")));

    private SchemaMigrations() {}

    static int latestVersion(List<Migration> migrations) {
        return migrations.isEmpty() ? 0 : migrations.getLast().version();
    }

    public static int currentVersion(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /**
     * Applies, in order and each in its own transaction, the migrations newer than the database's version.
     * Returns the number applied. The connection must be in auto-commit mode.
     *
     * @throws SessionStoreException UNAVAILABLE when the database is newer than {@code migrations} know, or a step
     *                               fails (that step is rolled back; earlier steps stay)
     */
    public static int migrate(Connection conn, List<Migration> migrations, String dbName)
            throws SQLException, SessionStoreException {
        for (int i = 0; i < migrations.size(); i++) {
            if (migrations.get(i).version() != i + 1) {
                throw new IllegalStateException("migration versions must be 1, 2, 3, ...: " + migrations);
            }
        }
        int current = currentVersion(conn);
        int latest = latestVersion(migrations);
        if (current > latest) {
            throw new SessionStoreException(SessionStoreException.Kind.UNAVAILABLE, "session database " + dbName
                    + " has schema version " + current + ", newer than this edgenode knows (" + latest
                    + "); refusing to use it. Run a newer edgenode or point it at another data directory.");
        }
        int applied = 0;
        for (Migration m : migrations.subList(current, latest)) {
            try (Statement st = conn.createStatement()) {
                // IMMEDIATE takes the write lock up front: two processes opening one new database do not both
                // read version 0 and race to create the tables.
                st.execute("BEGIN IMMEDIATE");
                try {
                    if (currentVersion(conn) >= m.version()) {
                        st.execute("ROLLBACK");
                        continue;
                    }
                    for (String sql : m.statements()) {
                        st.execute(sql);
                    }
                    st.execute("PRAGMA user_version = " + m.version());
                    st.execute("COMMIT");
                    applied++;
                } catch (SQLException e) {
                    SqliteFailures.rollbackQuietly(conn);
                    throw new SessionStoreException(SessionStoreException.Kind.UNAVAILABLE,
                            "session database " + dbName + ": migration to schema version " + m.version() + " ("
                                    + m.description() + ") failed: " + e.getMessage(), e);
                }
            }
        }
        return applied;
    }
}
