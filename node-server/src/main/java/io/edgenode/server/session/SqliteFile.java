package io.edgenode.server.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;

/**
 * One SQLite database file of a node store (schedules, workflows): one connection behind one lock,
 * in WAL mode with {@code synchronous=FULL} (a committed write survives a kill or a power loss),
 * brought up to date by {@link SchemaMigrations} when opened. Thread-safe and blocking: every call
 * takes the lock and runs on the caller's thread, which must be a virtual thread. One connection
 * rather than a pool because SQLite has one writer anyway, and the stores' reads are short.
 * Callers turn {@link SQLException} into their own store exception.
 */
public final class SqliteFile implements AutoCloseable {
    /** Work on the connection; {@code E}: the store's own checked exception. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T run(Connection c) throws SQLException, E;
    }

    private final Path file;
    private final ReentrantLock lock = new ReentrantLock();
    private Connection conn; // guarded by lock; null once closed

    private SqliteFile(Path file, Connection conn) {
        this.file = file;
        this.conn = conn;
    }

    /**
     * Opens (creating it and its folder when missing) {@code file} and migrates it.
     *
     * @throws IOException the folder cannot be created
     * @throws SQLException the database cannot be opened or put in WAL mode
     * @throws SessionStoreException a migration failed, or the schema is newer than this code
     */
    public static SqliteFile open(Path file, List<SchemaMigrations.Migration> migrations, boolean foreignKeys,
            int busyTimeoutMillis) throws IOException, SQLException, SessionStoreException {
        Objects.requireNonNull(file, "file");
        Path absolute = file.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(busyTimeoutMillis);
        if (foreignKeys) {
            config.enforceForeignKeys(true);
        }
        Connection c = config.createConnection("jdbc:sqlite:" + absolute);
        try {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
                String mode = rs.next() ? rs.getString(1) : null;
                if (!"wal".equalsIgnoreCase(mode)) {
                    throw new SQLException("could not be switched to WAL mode (journal_mode is " + mode + ")");
                }
            }
            SchemaMigrations.migrate(c, migrations, absolute.toString());
            return new SqliteFile(absolute, c);
        } catch (SQLException | SessionStoreException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    /** Runs {@code work} on the connection under the lock; a closed file is an {@link SQLException}. */
    public <T, E extends Exception> T call(Work<T, E> work) throws SQLException, E {
        lock.lock();
        try {
            if (conn == null) {
                throw new SQLException("the database is closed");
            }
            return work.run(conn);
        } finally {
            lock.unlock();
        }
    }

    /** One IMMEDIATE transaction: committed (fsync) before returning, rolled back on any failure. */
    public <T, E extends Exception> T transaction(Work<T, E> work) throws SQLException, E {
        return call(c -> {
            try (Statement st = c.createStatement()) {
                st.execute("BEGIN IMMEDIATE");
                T result;
                try {
                    result = work.run(c);
                    st.execute("COMMIT");
                } catch (Exception e) {
                    rollbackQuietly(c);
                    throw e;
                }
                return result;
            }
        });
    }

    /** Closes the connection; later calls fail. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            closeQuietly(conn);
            conn = null;
        } finally {
            lock.unlock();
        }
    }

    private static void rollbackQuietly(Connection c) {
        try (Statement st = c.createStatement()) {
            st.execute("ROLLBACK");
        } catch (SQLException e) {
            // SQLite rolled back by itself (I/O error, full disk): nothing to undo
        }
    }

    private static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException e) {
            System.getLogger(SqliteFile.class.getName()).log(System.Logger.Level.WARNING, "closing {0}: {1}", c,
                    e.getMessage());
        }
    }
}
