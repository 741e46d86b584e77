package io.edgenode.server.jobs;

import io.edgenode.server.jobs.ScheduleStoreException.Kind;
import io.edgenode.server.session.SchemaMigrations;
import io.edgenode.server.session.SessionStoreException;
import io.edgenode.server.session.SqliteFile;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Schedules and their runs in one SQLite file, {@code <dataDir>/jobs.db} (WAL, {@code synchronous=FULL}: a write
 * that returned survives a kill or power loss). Thread-safe and blocking: every operation takes one lock and runs on
 * the caller's thread, which must be a virtual thread (never an event loop). One connection behind a lock, as in
 * {@link io.edgenode.server.session.SqliteSessionStore} and for the same reasons: SQLite has one writer anyway,
 * and at most one carrier is pinned in JNI at a time.
 *
 * <p><b>The run protocol.</b> {@link #begin} records a run and advances its schedule in one transaction, before the
 * action runs: a crash after it never fires the same planned time again, and the unfinished run is found by
 * {@link #unfinished()} at start-up, to be {@link #retry retried} once or {@link #abandon abandoned}. {@code begin}
 * checks that the schedule is still ACTIVE and still due at the planned time, so a due is begun at most once even
 * if the scheduler's memory is stale.
 */
public final class ScheduleStore implements AutoCloseable {
    public static final String DB_FILE_NAME = "jobs.db";
    static final int BUSY_TIMEOUT_MILLIS = 5_000;
    private static final String COLUMNS = "id, session_id, spec_json, action_json, key_id, max_runs, until_at, missed,"
            + " created_at, next_due_at, run_count, state";
    private static final String RUN_COLUMNS =
            "run_id, schedule_id, due_at, attempt, started_at, finished_at, outcome, error";
    private static final char[] ALPHANUMERIC =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SqliteFile db;

    private ScheduleStore(SqliteFile db) {
        this.db = db;
    }

    /** Opens (creating when missing) {@code <dataDir>/jobs.db} and migrates it to the current schema. */
    public static ScheduleStore open(Path dataDir) throws ScheduleStoreException {
        Objects.requireNonNull(dataDir, "dataDir");
        Path dir = dataDir.toAbsolutePath();
        Path dbFile = dir.resolve(DB_FILE_NAME);
        try {
            return new ScheduleStore(SqliteFile.open(dbFile, ScheduleMigrations.ALL, false, BUSY_TIMEOUT_MILLIS));
        } catch (IOException e) {
            throw new ScheduleStoreException(Kind.UNAVAILABLE, "cannot create the data directory " + dir + ": " + e, e);
        } catch (SQLException e) {
            throw unavailable("open the database", dbFile, e);
        } catch (SessionStoreException e) {
            throw new ScheduleStoreException(Kind.UNAVAILABLE, e.getMessage(), e);
        }
    }

    public Path databaseFile() {
        return db.file();
    }

    /** Stores a new schedule as given. CONFLICT when its id exists (also a deleted one: ids are not reused). */
    public Schedule create(Schedule s) throws ScheduleStoreException {
        Objects.requireNonNull(s, "schedule");
        return inTransaction("create a schedule", c -> {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO schedules (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
                st.setString(1, s.id());
                st.setString(2, s.sessionId());
                st.setString(3, s.specJson());
                st.setString(4, s.actionJson());
                st.setString(5, s.keyId());
                st.setInt(6, s.maxRuns());
                st.setLong(7, s.until());
                st.setString(8, s.missedPolicy().wireName());
                st.setLong(9, s.createdAt());
                st.setLong(10, s.nextDueAt());
                st.setInt(11, s.runCount());
                st.setString(12, s.state().name());
                if (st.executeUpdate() != 1) {
                    throw new ScheduleStoreException(Kind.CONFLICT, "schedule '" + s.id() + "' already exists");
                }
            }
            return s;
        });
    }

    /** The schedule, ACTIVE or DONE; empty when unknown or deleted. */
    public Optional<Schedule> get(String id) throws ScheduleStoreException {
        Objects.requireNonNull(id, "id");
        return withConnection("read a schedule", c -> read(c, id).filter(s -> s.state() != Schedule.State.DELETED));
    }

    /** The session's schedules that are not deleted, oldest first. */
    public List<Schedule> listForSession(String sessionId) throws ScheduleStoreException {
        Objects.requireNonNull(sessionId, "sessionId");
        return withConnection("list schedules", c -> query(c, "SELECT " + COLUMNS
                + " FROM schedules WHERE session_id = ? AND state != 'DELETED' ORDER BY created_at, id", sessionId));
    }

    /** Every ACTIVE schedule, by next due time: what the scheduler loads at start-up. */
    public List<Schedule> active() throws ScheduleStoreException {
        return withConnection("list active schedules", c -> query(c, "SELECT " + COLUMNS
                + " FROM schedules WHERE state = 'ACTIVE' ORDER BY next_due_at, id"));
    }

    /** Marks the schedule DELETED (it never runs again; its runs stay). False when unknown or already deleted. */
    public boolean delete(String id) throws ScheduleStoreException {
        Objects.requireNonNull(id, "id");
        return withConnection("delete a schedule", c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE schedules SET state = 'DELETED', next_due_at = 0"
                    + " WHERE id = ? AND state != 'DELETED'")) {
                st.setString(1, id);
                return st.executeUpdate() == 1;
            }
        });
    }

    /** Deletes every schedule of a session (when the session is deleted or expires); returns the ids deleted. */
    public List<String> deleteForSession(String sessionId) throws ScheduleStoreException {
        Objects.requireNonNull(sessionId, "sessionId");
        return inTransaction("delete a session's schedules", c -> {
            List<String> ids = new ArrayList<>();
            for (Schedule s : query(c, "SELECT " + COLUMNS
                    + " FROM schedules WHERE session_id = ? AND state != 'DELETED'", sessionId)) {
                ids.add(s.id());
            }
            try (PreparedStatement st = c.prepareStatement("UPDATE schedules SET state = 'DELETED', next_due_at = 0"
                    + " WHERE session_id = ? AND state != 'DELETED'")) {
                st.setString(1, sessionId);
                st.executeUpdate();
            }
            return ids;
        });
    }

    /**
     * Begins the run of {@code scheduleId} planned for {@code dueAt}, in one transaction: inserts the run (a new
     * {@code run_} id, attempt 1, started at {@code nowMillis}) and advances the schedule ({@link
     * Schedule#advanced}: one more run, next due {@code nextDueAt}, DONE when there is none or a limit is reached).
     *
     * @param nextDueAt the due after this one ({@link Cadence#NONE} for none); must be after {@code dueAt}
     * @throws ScheduleStoreException NOT_FOUND when the schedule is unknown or deleted; CONFLICT when it is DONE or
     *                                its next due is no longer {@code dueAt} (that due was begun already)
     */
    public ScheduleRun begin(String scheduleId, long dueAt, long nowMillis, long nextDueAt)
            throws ScheduleStoreException {
        return advance(scheduleId, dueAt, nowMillis, nextDueAt, true, null);
    }

    /**
     * Records the due {@code dueAt} as SKIPPED (missed while the node was down, policy {@code skip}) and moves the
     * schedule to {@code nextDueAt}, in one transaction; the skip does not count as a run.
     */
    public ScheduleRun skip(String scheduleId, long dueAt, long nowMillis, long nextDueAt, String why)
            throws ScheduleStoreException {
        return advance(scheduleId, dueAt, nowMillis, nextDueAt, false, Objects.requireNonNull(why, "why"));
    }

    private ScheduleRun advance(String scheduleId, long dueAt, long now, long nextDueAt, boolean counted,
            String skipReason) throws ScheduleStoreException {
        Objects.requireNonNull(scheduleId, "scheduleId");
        if (nextDueAt != Cadence.NONE && nextDueAt <= dueAt) {
            throw new IllegalArgumentException("next due " + nextDueAt + " is not after the due " + dueAt);
        }
        return inTransaction(counted ? "begin a run" : "skip a due", c -> {
            Schedule s = read(c, scheduleId).filter(x -> x.state() != Schedule.State.DELETED).orElseThrow(
                    () -> new ScheduleStoreException(Kind.NOT_FOUND, "no schedule '" + scheduleId + "'"));
            if (!s.isActive() || s.nextDueAt() != dueAt) {
                throw new ScheduleStoreException(Kind.CONFLICT, "schedule '" + scheduleId + "' is " + s.state()
                        + " with next due " + s.nextDueAt() + ", not due at " + dueAt);
            }
            Schedule next = s.advanced(nextDueAt, counted);
            try (PreparedStatement st = c.prepareStatement(
                    "UPDATE schedules SET next_due_at = ?, run_count = ?, state = ? WHERE id = ?")) {
                st.setLong(1, next.nextDueAt());
                st.setInt(2, next.runCount());
                st.setString(3, next.state().name());
                st.setString(4, scheduleId);
                st.executeUpdate();
            }
            ScheduleRun run = counted
                    ? new ScheduleRun(newRunId(), scheduleId, dueAt, 1, now, 0, null, null)
                    : new ScheduleRun(newRunId(), scheduleId, dueAt, 1, now, now, ScheduleRun.Outcome.SKIPPED,
                            skipReason);
            try (PreparedStatement st = c.prepareStatement("INSERT INTO schedule_runs (" + RUN_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                st.setString(1, run.runId());
                st.setString(2, run.scheduleId());
                st.setLong(3, run.dueAt());
                st.setInt(4, run.attempt());
                st.setLong(5, run.startedAt());
                st.setLong(6, run.finishedAt());
                st.setString(7, run.outcome() == null ? null : run.outcome().name());
                st.setString(8, run.error());
                st.executeUpdate();
            }
            return run;
        });
    }

    /**
     * Records how a run ended. NOT_FOUND when the run is unknown; CONFLICT when it was finished already.
     *
     * @param error the reason of a FAILED run, else null
     */
    public ScheduleRun finish(String runId, ScheduleRun.Outcome outcome, String error, long nowMillis)
            throws ScheduleStoreException {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(outcome, "outcome");
        return inTransaction("finish a run", c -> {
            ScheduleRun run = readUnfinishedRun(c, runId);
            long finishedAt = Math.max(1, nowMillis); // 0 means "running"
            try (PreparedStatement st = c.prepareStatement(
                    "UPDATE schedule_runs SET finished_at = ?, outcome = ?, error = ? WHERE run_id = ?")) {
                st.setLong(1, finishedAt);
                st.setString(2, outcome.name());
                st.setString(3, error);
                st.setString(4, runId);
                st.executeUpdate();
            }
            return new ScheduleRun(runId, run.scheduleId(), run.dueAt(), run.attempt(), run.startedAt(), finishedAt,
                    outcome, error);
        });
    }

    /** Runs that were started and never finished: the node stopped during them. Oldest first. */
    public List<ScheduleRun> unfinished() throws ScheduleStoreException {
        return withConnection("list unfinished runs", c -> queryRuns(c, "SELECT " + RUN_COLUMNS
                + " FROM schedule_runs WHERE finished_at = 0 ORDER BY started_at, run_id"));
    }

    /** A schedule's runs, newest due first, at most {@code limit}. */
    public List<ScheduleRun> runs(String scheduleId, int limit) throws ScheduleStoreException {
        Objects.requireNonNull(scheduleId, "scheduleId");
        return withConnection("list runs", c -> queryRuns(c, "SELECT " + RUN_COLUMNS
                + " FROM schedule_runs WHERE schedule_id = ? ORDER BY due_at DESC, run_id LIMIT " + Math.max(0, limit),
                scheduleId));
    }

    /** Starts an unfinished run again: same run id, attempt + 1, started at {@code nowMillis}. */
    public ScheduleRun retry(String runId, long nowMillis) throws ScheduleStoreException {
        Objects.requireNonNull(runId, "runId");
        return inTransaction("retry a run", c -> {
            ScheduleRun run = readUnfinishedRun(c, runId);
            try (PreparedStatement st = c.prepareStatement(
                    "UPDATE schedule_runs SET attempt = ?, started_at = ? WHERE run_id = ?")) {
                st.setInt(1, run.attempt() + 1);
                st.setLong(2, nowMillis);
                st.setString(3, runId);
                st.executeUpdate();
            }
            return new ScheduleRun(runId, run.scheduleId(), run.dueAt(), run.attempt() + 1, nowMillis, 0, null, null);
        });
    }

    /** Gives an unfinished run up: FAILED with {@code why}. */
    public ScheduleRun abandon(String runId, String why, long nowMillis) throws ScheduleStoreException {
        return finish(runId, ScheduleRun.Outcome.FAILED, Objects.requireNonNull(why, "why"), nowMillis);
    }

    /** Closes the connection; later calls fail as UNAVAILABLE. */
    @Override
    public void close() {
        db.close();
    }

    // ---- rows ----

    private static Optional<Schedule> read(Connection c, String id) throws SQLException {
        List<Schedule> found = query(c, "SELECT " + COLUMNS + " FROM schedules WHERE id = ?", id);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    }

    private static List<Schedule> query(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setString(i + 1, args[i]);
            }
            List<Schedule> out = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new Schedule(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getInt(6), rs.getLong(7),
                            MissedPolicy.fromWireName(rs.getString(8)).orElse(MissedPolicy.RUN_ONCE), rs.getLong(9),
                            rs.getLong(10), rs.getInt(11), Schedule.State.valueOf(rs.getString(12))));
                }
            }
            return out;
        }
    }

    private static ScheduleRun readUnfinishedRun(Connection c, String runId)
            throws SQLException, ScheduleStoreException {
        List<ScheduleRun> found = queryRuns(c, "SELECT " + RUN_COLUMNS + " FROM schedule_runs WHERE run_id = ?",
                runId);
        if (found.isEmpty()) {
            throw new ScheduleStoreException(Kind.NOT_FOUND, "no run '" + runId + "'");
        }
        if (found.getFirst().isFinished()) {
            throw new ScheduleStoreException(Kind.CONFLICT, "run '" + runId + "' is finished already");
        }
        return found.getFirst();
    }

    private static List<ScheduleRun> queryRuns(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setString(i + 1, args[i]);
            }
            List<ScheduleRun> out = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String outcome = rs.getString(7);
                    out.add(new ScheduleRun(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getInt(4),
                            rs.getLong(5), rs.getLong(6), outcome == null ? null : ScheduleRun.Outcome.valueOf(outcome),
                            rs.getString(8)));
                }
            }
            return out;
        }
    }

    private static String newRunId() {
        char[] c = new char[24];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHANUMERIC[RANDOM.nextInt(ALPHANUMERIC.length)];
        }
        return "run_" + new String(c);
    }

    // ---- plumbing ----

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection c) throws SQLException, ScheduleStoreException;
    }

    private <T> T withConnection(String what, SqlWork<T> work) throws ScheduleStoreException {
        try {
            return db.call(work::run);
        } catch (SQLException e) {
            throw unavailable(what, db.file(), e);
        }
    }

    /** One IMMEDIATE transaction: committed (fsync) before returning, rolled back on any failure. */
    private <T> T inTransaction(String what, SqlWork<T> work) throws ScheduleStoreException {
        try {
            return db.transaction(work::run);
        } catch (SQLException e) {
            throw unavailable(what, db.file(), e);
        }
    }

    private static ScheduleStoreException unavailable(String what, Path dbFile, SQLException e) {
        return new ScheduleStoreException(Kind.UNAVAILABLE, "jobs store " + dbFile + ": cannot " + what + ": "
                + e.getMessage(), e);
    }

}
