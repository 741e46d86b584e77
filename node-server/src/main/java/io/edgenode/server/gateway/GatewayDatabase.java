package io.edgenode.server.gateway;

import io.edgenode.server.session.SchemaMigrations;
import io.edgenode.server.session.SchemaMigrations.Migration;
import io.edgenode.server.session.SessionStoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.sqlite.SQLiteConfig;

/**
 * The gateway's SQLite file, {@code <data_dir>/gateway.db}: API keys and the usage ledger, in WAL
 * mode, migrated to the newest schema when opened. Stateless apart from the file's path: each
 * store opens its own connection ({@link #connect}) and confines it (SQLite has one writer at a
 * time anyway; keys and the ledger write on different threads). Also opened by
 * {@code edgenode keys} while a node runs: both see each other's commits.
 */
public final class GatewayDatabase {
    public static final String FILE_NAME = "gateway.db";
    private static final int BUSY_TIMEOUT_MILLIS = 5_000;

    /**
     * Append new steps at the end; never edit a released one. Times are epoch millis; revoked_at 0
     * means the key works. Costs are nano-dollars.
     */
    static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "api keys and the usage ledger", List.of(
                    """
                    CREATE TABLE api_keys (
                        id           TEXT    NOT NULL PRIMARY KEY,
                        name         TEXT    NOT NULL,
                        secret_hash  BLOB    NOT NULL,
                        scopes_json  TEXT    NOT NULL,
                        limits_json  TEXT    NOT NULL,
                        created_at   INTEGER NOT NULL,
                        rotated_at   INTEGER NOT NULL DEFAULT 0,
                        revoked_at   INTEGER NOT NULL DEFAULT 0
                    ) STRICT""",
                    """
                    CREATE TABLE usage (
                        request_id        TEXT    NOT NULL,
                        key_id            TEXT,
                        user              TEXT,
                        session_id        TEXT,
                        endpoint          TEXT    NOT NULL,
                        requested_model   TEXT,
                        served_model      TEXT,
                        fallback_index    INTEGER NOT NULL,
                        status            INTEGER NOT NULL,
                        error_type        TEXT,
                        started_at        INTEGER NOT NULL,
                        first_token_at    INTEGER NOT NULL,
                        ended_at          INTEGER NOT NULL,
                        prompt_tokens     INTEGER NOT NULL,
                        cached_tokens     INTEGER NOT NULL,
                        completion_tokens INTEGER NOT NULL,
                        compute_nanos     INTEGER NOT NULL,
                        cost_nano_usd     INTEGER NOT NULL,
                        cache_status      TEXT,
                        flags             TEXT,
                        metadata_json     TEXT
                    ) STRICT""",
                    "CREATE INDEX usage_by_time ON usage (started_at)",
                    "CREATE INDEX usage_by_key ON usage (key_id, started_at)")));

    private final Path file;

    private GatewayDatabase(Path file) {
        this.file = file;
    }

    /** Opens (creating and migrating) {@code <dataDir>/gateway.db}. */
    public static GatewayDatabase open(Path dataDir) {
        Path file = dataDir.toAbsolutePath().resolve(FILE_NAME);
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new GatewayStoreException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
        }
        GatewayDatabase db = new GatewayDatabase(file);
        try (Connection c = db.connect()) {
            SchemaMigrations.migrate(c, MIGRATIONS, "gateway database " + file);
        } catch (SQLException | SessionStoreException e) {
            throw new GatewayStoreException("cannot open the gateway database " + file + ": " + e.getMessage(), e);
        }
        return db;
    }

    public Path file() {
        return file;
    }

    /** A new connection (auto-commit, WAL, fsync on every commit: a created key or a written batch survives a power cut); the caller confines and closes it. */
    public Connection connect() throws SQLException {
        SQLiteConfig c = new SQLiteConfig();
        c.setJournalMode(SQLiteConfig.JournalMode.WAL);
        c.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        c.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        return c.createConnection("jdbc:sqlite:" + file);
    }
}
