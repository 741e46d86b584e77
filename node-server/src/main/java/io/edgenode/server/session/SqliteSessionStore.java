package io.edgenode.server.session;

import io.edgenode.server.session.SessionStoreException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import org.sqlite.SQLiteConfig;

/**
 * The embedded session store: one SQLite file, {@code <dataDir>/sessions.db}, in WAL mode. Thread-safe: every
 * operation takes one lock and runs on the caller's thread, which must be allowed to block (a virtual thread).
 *
 * <p><b>Why one connection behind a lock, not a pool.</b> SQLite admits one writer at a time whatever the number of
 * connections, and every write here is a short transaction, so a pool would buy concurrent reads only, which are
 * small point lookups. One connection keeps the read-modify-write of {@link #appendTurn} trivially serial, makes
 * {@link #close} final, and bounds native work: sqlite-jdbc is JNI, so a virtual thread inside it pins its carrier;
 * with one connection at most one carrier is pinned at any time, and waiters park on the lock instead.
 *
 * <p><b>Durability.</b> {@code synchronous=FULL} in WAL mode fsyncs the log on every commit: once a write method
 * returns, its data survives a process kill or power loss. Writes run in explicit {@code BEGIN IMMEDIATE}
 * transactions (the write lock is taken up front, so another process holding it makes us wait up to the busy
 * timeout instead of failing mid-transaction); any failure rolls back, leaving earlier data as it was.
 *
 * <p><b>Failures</b> are {@link SessionStoreException}s of kind UNAVAILABLE whose message names the database file
 * and the cause (read-only, disk full, locked, corrupt). A read-only database still opens and serves reads.
 */
public final class SqliteSessionStore implements SessionStore {
    private static final System.Logger LOG = System.getLogger(SqliteSessionStore.class.getName());
    public static final String DB_FILE_NAME = "sessions.db";
    /** Longest wait for another process's write lock before a write fails as UNAVAILABLE (locked). */
    static final int DEFAULT_BUSY_TIMEOUT_MILLIS = 5_000;
    static final int MAX_PAGE = 100;
    private static final String SESSION_COLUMNS = "id, model, system_prompt, metadata_json, created_at, updated_at,"
            + " expires_at, turn_count, prompt_tokens, completion_tokens";
    /** A live session: not expired at the bound time (the sweeper may not have deleted it yet). */
    static final String LIVE = "(expires_at = 0 OR expires_at > ?)";

    private final Path dbFile;
    private final InstantSource clock;
    private final SessionRows rows = new SessionRows();
    private final int schemaVersion;
    private final int busyTimeoutMillis;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}; null once closed. */
    private Connection conn;

    private SqliteSessionStore(Path dbFile, InstantSource clock, Connection conn, int schemaVersion,
            int busyTimeoutMillis) {
        this.dbFile = dbFile;
        this.busyTimeoutMillis = busyTimeoutMillis;
        this.clock = clock;
        this.conn = conn;
        this.schemaVersion = schemaVersion;
    }

    /**
     * Opens {@code <dataDir>/sessions.db}, creating the directories and the file when missing, and migrates its
     * schema to the current version.
     *
     * @throws SessionStoreException UNAVAILABLE when the directory cannot be created or written, the file is not a
     *                               SQLite database, its schema is newer than this code, or a migration fails
     */
    public static SqliteSessionStore open(Path dataDir) throws SessionStoreException {
        return open(dataDir, InstantSource.system());
    }

    /** As {@link #open(Path)}, with the clock that stamps creation, update and expiry times. */
    public static SqliteSessionStore open(Path dataDir, InstantSource clock) throws SessionStoreException {
        return open(dataDir, clock, SchemaMigrations.ALL, DEFAULT_BUSY_TIMEOUT_MILLIS);
    }

    static SqliteSessionStore open(Path dataDir, InstantSource clock, List<SchemaMigrations.Migration> migrations,
            int busyTimeoutMillis) throws SessionStoreException {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(clock, "clock");
        Path dir = dataDir.toAbsolutePath();
        Path dbFile = dir.resolve(DB_FILE_NAME);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SessionStoreException(Kind.UNAVAILABLE,
                    "cannot create the session data directory " + dir + ": " + e, e);
        }
        if (!Files.exists(dbFile) && !Files.isWritable(dir)) {
            throw new SessionStoreException(Kind.UNAVAILABLE, "cannot create the session database " + dbFile
                    + ": the directory is not writable");
        }
        Connection conn = null;
        try {
            conn = config(busyTimeoutMillis).createConnection("jdbc:sqlite:" + dbFile);
            String mode = pragma(conn, "journal_mode");
            if (!"wal".equalsIgnoreCase(mode)) {
                throw new SessionStoreException(Kind.UNAVAILABLE, "session database " + dbFile
                        + " could not be switched to WAL mode (journal_mode is " + mode + ")");
            }
            SchemaMigrations.migrate(conn, migrations, dbFile.toString());
            int version = SchemaMigrations.currentVersion(conn);
            if (!Files.isWritable(dbFile)) {
                LOG.log(System.Logger.Level.WARNING, "session database {0} is read-only: sessions can be read but"
                        + " not created or continued", dbFile);
            }
            LOG.log(System.Logger.Level.DEBUG, "session database {0} open at schema version {1}", dbFile, version);
            return new SqliteSessionStore(dbFile, clock, conn, version, busyTimeoutMillis);
        } catch (SQLException e) {
            SqliteFailures.closeQuietly(conn);
            throw SqliteFailures.unavailable("open the database", dbFile, busyTimeoutMillis, e);
        } catch (SessionStoreException | RuntimeException e) {
            SqliteFailures.closeQuietly(conn);
            throw e;
        }
    }

    private static SQLiteConfig config(int busyTimeoutMillis) {
        SQLiteConfig c = new SQLiteConfig();
        c.setJournalMode(SQLiteConfig.JournalMode.WAL);
        c.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        c.enforceForeignKeys(true);
        c.setBusyTimeout(busyTimeoutMillis);
        return c;
    }

    /** The schema version the database is at (the newest this code knows, once open). */
    public int schemaVersion() {
        return schemaVersion;
    }

    /** The database file, for logs. */
    public Path databaseFile() {
        return dbFile;
    }

    /** A PRAGMA's value on the store's connection, for tests and diagnostics. */
    String pragma(String name) throws SessionStoreException {
        return withConnection("read PRAGMA " + name, c -> pragma(c, name));
    }

    @Override
    public Session create(NewSession s) throws SessionStoreException {
        Objects.requireNonNull(s, "session");
        if (s.id() != null) {
            SessionRules.validateId(s.id());
        }
        if (s.model() == null || s.model().isBlank()) {
            throw new IllegalArgumentException("model must not be empty");
        }
        SessionRules.validateMetadata(s.metadata());
        if (s.ttlMillis() < 0) {
            throw new IllegalArgumentException("ttl must not be negative, got " + s.ttlMillis() + " ms");
        }
        String metadataJson = rows.toJson(s.metadata());
        return withConnection("create a session", c -> {
            long now = clock.millis();
            long expiresAt = expiry(now, s.ttlMillis());
            // A generated id that collides (about 2^-143 per pair) is simply drawn again.
            for (int attempt = 0; ; attempt++) {
                String id = s.id() != null ? s.id() : SessionRules.newId();
                try (PreparedStatement st = c.prepareStatement("INSERT INTO sessions (id, model, system_prompt,"
                        + " metadata_json, created_at, updated_at, expires_at, ttl_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                        + " ON CONFLICT (id) DO NOTHING")) {
                    st.setString(1, id);
                    st.setString(2, s.model());
                    st.setString(3, s.systemPrompt());
                    st.setString(4, metadataJson);
                    st.setLong(5, now);
                    st.setLong(6, now);
                    st.setLong(7, expiresAt);
                    st.setLong(8, s.ttlMillis());
                    if (st.executeUpdate() == 1) {
                        return new Session(id, s.model(), s.systemPrompt(), s.metadata(), now, now, expiresAt, 0, 0, 0);
                    }
                }
                if (s.id() != null || attempt >= 3) {
                    throw new SessionStoreException(Kind.CONFLICT, "session '" + id + "' already exists");
                }
            }
        });
    }

    @Override
    public Optional<Session> get(String id) throws SessionStoreException {
        Objects.requireNonNull(id, "id");
        return withConnection("read a session", c -> readSession(c, id));
    }

    private Optional<Session> readSession(Connection c, String id) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT " + SESSION_COLUMNS + " FROM sessions WHERE id = ? AND " + LIVE)) {
            st.setString(1, id);
            st.setLong(2, clock.millis());
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(rows.session(rs)) : Optional.empty();
            }
        }
    }

    @Override
    public SessionPage list(String after, int limit) throws SessionStoreException {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_PAGE + ", got " + limit);
        }
        return withConnection("list sessions", c -> {
            long now = clock.millis();
            PreparedStatement st;
            if (after == null) {
                st = c.prepareStatement("SELECT " + SESSION_COLUMNS + " FROM sessions WHERE " + LIVE
                        + " ORDER BY created_at, id LIMIT ?");
                st.setLong(1, now);
                st.setInt(2, limit + 1);
            } else {
                long afterCreated = createdAt(c, after).orElseThrow(() -> new IllegalArgumentException(
                        "unknown session id '" + after + "' for 'after': it may have been deleted; list from the start"));
                st = c.prepareStatement("SELECT " + SESSION_COLUMNS + " FROM sessions WHERE (created_at, id) > (?, ?)"
                        + " AND " + LIVE + " ORDER BY created_at, id LIMIT ?");
                st.setLong(1, afterCreated);
                st.setString(2, after);
                st.setLong(3, now);
                st.setInt(4, limit + 1);
            }
            List<Session> sessions = new ArrayList<>(limit + 1);
            try (st; ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    sessions.add(rows.session(rs));
                }
            }
            boolean hasMore = sessions.size() > limit;
            if (hasMore) {
                sessions.removeLast();
            }
            return new SessionPage(sessions, hasMore, sessions.isEmpty() ? null : sessions.getLast().id());
        });
    }

    /** Expired or not: a page boundary stays usable while its session waits for the sweeper. */
    private static Optional<Long> createdAt(Connection c, String id) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT created_at FROM sessions WHERE id = ?")) {
            st.setString(1, id);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    @Override
    public List<Turn> turns(String sessionId) throws SessionStoreException {
        Objects.requireNonNull(sessionId, "sessionId");
        return withConnection("read turns", c -> {
            // One read transaction: the session check and the turns see the same snapshot.
            try (Statement tx = c.createStatement()) {
                tx.execute("BEGIN");
                try {
                    if (readSession(c, sessionId).isEmpty()) {
                        throw notFound(sessionId);
                    }
                    List<Turn> turns = new ArrayList<>();
                    try (PreparedStatement st = c.prepareStatement("SELECT idx, input_json, reply, prompt_tokens,"
                            + " completion_tokens, cached_tokens, finish_reason, created_at FROM turns"
                            + " WHERE session_id = ? ORDER BY idx")) {
                        st.setString(1, sessionId);
                        try (ResultSet rs = st.executeQuery()) {
                            while (rs.next()) {
                                turns.add(new Turn(rs.getInt(1), rows.messages(rs.getString(2)),
                                        rs.getString(3), rs.getInt(4), rs.getInt(5), rs.getInt(6), rs.getString(7),
                                        rs.getLong(8)));
                            }
                        }
                    }
                    return turns;
                } finally {
                    tx.execute("COMMIT");
                }
            }
        });
    }

    @Override
    public Optional<Continuation> continuation(String sessionId) throws SessionStoreException {
        Objects.requireNonNull(sessionId, "sessionId");
        return withConnection("read a continuation", c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT cont_model, cont_tokens, cont_text FROM sessions"
                    + " WHERE id = ? AND " + LIVE + " AND cont_model IS NOT NULL")) {
                st.setString(1, sessionId);
                st.setLong(2, clock.millis());
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new Continuation(rs.getString(1), SessionRows.tokens(rs.getBytes(2)),
                            rs.getString(3)));
                }
            }
        });
    }

    @Override
    public Session appendTurn(String sessionId, List<SessionMessage> input, String reply, int promptTokens,
            int completionTokens, int cachedTokens, String finishReason, Continuation continuation)
            throws SessionStoreException {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(reply, "reply");
        if (promptTokens < 0 || completionTokens < 0 || cachedTokens < 0) {
            throw new IllegalArgumentException("token counts must not be negative: prompt " + promptTokens
                    + ", completion " + completionTokens + ", cached " + cachedTokens);
        }
        String inputJson = rows.toJson(List.copyOf(input));
        byte[] contTokens = continuation == null ? null : TokenBlobs.encode(continuation.tokens());
        return inTransaction("append a turn", c -> {
            long now = clock.millis();
            Session before;
            long ttl;
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT " + SESSION_COLUMNS + ", ttl_ms FROM sessions WHERE id = ? AND " + LIVE)) {
                st.setString(1, sessionId);
                st.setLong(2, now);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        throw notFound(sessionId);
                    }
                    before = rows.session(rs);
                    ttl = rs.getLong(11);
                }
            }
            int index = before.turnCount();
            try (PreparedStatement st = c.prepareStatement("INSERT INTO turns (session_id, idx, input_json, reply,"
                    + " prompt_tokens, completion_tokens, cached_tokens, finish_reason, created_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                st.setString(1, sessionId);
                st.setInt(2, index);
                st.setString(3, inputJson);
                st.setString(4, reply);
                st.setInt(5, promptTokens);
                st.setInt(6, completionTokens);
                st.setInt(7, cachedTokens);
                st.setString(8, finishReason);
                st.setLong(9, now);
                st.executeUpdate();
            }
            long expiresAt = expiry(now, ttl);
            try (PreparedStatement st = c.prepareStatement("UPDATE sessions SET turn_count = ?, prompt_tokens = ?,"
                    + " completion_tokens = ?, updated_at = ?, expires_at = ?, cont_model = ?, cont_tokens = ?,"
                    + " cont_text = ? WHERE id = ?")) {
                st.setInt(1, index + 1);
                st.setLong(2, before.promptTokens() + promptTokens);
                st.setLong(3, before.completionTokens() + completionTokens);
                st.setLong(4, now);
                st.setLong(5, expiresAt);
                st.setString(6, continuation == null ? null : continuation.modelId());
                st.setBytes(7, contTokens);
                st.setString(8, continuation == null ? null : continuation.text());
                st.setString(9, sessionId);
                st.executeUpdate();
            }
            return new Session(sessionId, before.model(), before.systemPrompt(), before.metadata(),
                    before.createdAtMillis(), now, expiresAt, index + 1, before.promptTokens() + promptTokens,
                    before.completionTokens() + completionTokens);
        });
    }

    @Override
    public SessionState state(String sessionId) throws SessionStoreException {
        Objects.requireNonNull(sessionId, "sessionId");
        return withConnection("read a session's state",
                c -> SqliteStateRows.read(c, sessionId, clock.millis()).orElseThrow(() -> notFound(sessionId)));
    }

    @Override
    public SessionState updateState(String sessionId, long expectedVersion, UnaryOperator<String> change)
            throws SessionStoreException {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(change, "change");
        return inTransaction("write a session's state",
                c -> SqliteStateRows.update(c, sessionId, expectedVersion, change, clock.millis()));
    }

    @Override
    public boolean delete(String id) throws SessionStoreException {
        Objects.requireNonNull(id, "id");
        // One statement is its own transaction; the foreign key deletes the turns in it, the state is in the row.
        return withConnection("delete a session", c -> {
            try (PreparedStatement st = c.prepareStatement("DELETE FROM sessions WHERE id = ?")) {
                st.setString(1, id);
                return st.executeUpdate() > 0;
            }
        });
    }

    @Override
    public List<String> deleteExpired(long nowMillis, int limit) throws SessionStoreException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
        return inTransaction("delete expired sessions", c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("SELECT id FROM sessions WHERE expires_at > 0"
                    + " AND expires_at <= ? ORDER BY expires_at, id LIMIT ?")) {
                st.setLong(1, nowMillis);
                st.setInt(2, limit);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            try (PreparedStatement st = c.prepareStatement("DELETE FROM sessions WHERE id = ?")) {
                for (String id : ids) {
                    st.setString(1, id);
                    st.addBatch();
                }
                if (!ids.isEmpty()) {
                    st.executeBatch();
                }
            }
            return ids;
        });
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (conn != null) {
                SqliteFailures.closeQuietly(conn); // the last connection checkpoints the WAL into the database file
                conn = null;
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- plumbing ----

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection c) throws SQLException, SessionStoreException;
    }

    private <T> T withConnection(String what, SqlWork<T> work) throws SessionStoreException {
        lock.lock();
        try {
            if (conn == null) {
                throw new SessionStoreException(Kind.UNAVAILABLE, "session store " + dbFile + " is closed");
            }
            return work.run(conn);
        } catch (SQLException e) {
            throw SqliteFailures.unavailable(what, dbFile, busyTimeoutMillis, e);
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code work} in one IMMEDIATE transaction; commits (fsync) before returning, rolls back on any failure. */
    private <T> T inTransaction(String what, SqlWork<T> work) throws SessionStoreException {
        return withConnection(what, c -> {
            try (Statement st = c.createStatement()) {
                st.execute("BEGIN IMMEDIATE");
                T result;
                try {
                    result = work.run(c);
                    st.execute("COMMIT");
                } catch (SQLException | SessionStoreException | RuntimeException e) {
                    SqliteFailures.rollbackQuietly(c);
                    throw e;
                }
                return result;
            }
        });
    }

    private static SessionStoreException notFound(String id) {
        return new SessionStoreException(Kind.NOT_FOUND, "no session '" + id + "'");
    }

    private static String pragma(Connection c, String name) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static long expiry(long now, long ttlMillis) {
        return ttlMillis == 0 ? 0 : saturatedAdd(now, ttlMillis);
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }


}
