package io.edgenode.server.session;

import io.edgenode.server.session.SessionStoreException.Kind;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteException;

/** How SQLite failures become {@link SessionStoreException}s, and cleanup that must not mask them. Stateless. */
final class SqliteFailures {
    private static final System.Logger LOG = System.getLogger(SqliteFailures.class.getName());

    private SqliteFailures() {}

    /** Names the file and, for the failures an operator can fix, what to check. */
    static SessionStoreException unavailable(String what, Path dbFile, int busyTimeoutMillis, SQLException e) {
        int primaryCode = (e instanceof SQLiteException se ? se.getResultCode().code : e.getErrorCode()) & 0xff;
        String reason = switch (primaryCode) {
            case 5, 6 -> "the database is locked by another process (waited " + busyTimeoutMillis + " ms)";
            case 8 -> "the database is read-only (check the permissions of the file and its directory)";
            case 10 -> "disk I/O error";
            case 11, 26 -> "the file is corrupt or not a SQLite database";
            case 13 -> "the disk is full";
            case 14 -> "the file cannot be opened (check that the directory exists and is writable)";
            default -> "SQLite error";
        };
        return new SessionStoreException(Kind.UNAVAILABLE, "session store " + dbFile + ": cannot " + what + ": "
                + reason + " [" + e.getMessage() + "]", e);
    }

    /**
     * SQLite rolls some failures back by itself (disk full, I/O errors); then ROLLBACK reports that no transaction
     * is active, which is fine.
     */
    static void rollbackQuietly(Connection c) {
        try (Statement st = c.createStatement()) {
            st.execute("ROLLBACK");
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.DEBUG, "rollback: {0}", e.getMessage());
        }
    }

    static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the session database: {0}", e.getMessage());
        }
    }
}
