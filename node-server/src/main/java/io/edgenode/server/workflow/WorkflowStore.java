package io.edgenode.server.workflow;

import io.edgenode.server.session.SchemaMigrations;
import io.edgenode.server.session.SessionStoreException;
import io.edgenode.server.session.SqliteFile;
import io.edgenode.server.workflow.WorkflowStoreException.Kind;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Workflows, their step rows and buffered events in one SQLite file, {@code <dataDir>/workflows.db} (WAL, {@code
 * synchronous=FULL}: a write that returned survives a kill or power loss). Thread-safe and blocking: every operation
 * takes one lock and runs on the caller's thread, which must be a virtual thread (never an event loop). One
 * connection behind a lock, as in {@link io.edgenode.server.jobs.ScheduleStore}.
 *
 * <p><b>The step protocol.</b> Every transition of a workflow is one {@link #commit}: the workflow row and the step
 * row it concerns (and the buffered event it consumes) in one transaction, committed before the engine moves on. So
 * a step's result is durable before the next step starts, and a crash leaves either the state before a transition
 * or the one after. The store itself checks no transition rules: the engine is the only writer of a workflow's
 * state once created, and serializes its writes.
 */
public final class WorkflowStore implements AutoCloseable {
    public static final String DB_FILE_NAME = "workflows.db";
    static final int BUSY_TIMEOUT_MILLIS = 5_000;
    private static final String COLUMNS = "id, name, definition_json, params_json, session_id, key_id, status,"
            + " current_step, step_seq, attempt, wake_at, waiting_event, executed, error, created_at, updated_at";
    private static final String STEP_COLUMNS =
            "workflow_id, seq, step_id, type, attempt, status, result_json, error, started_at, finished_at";

    private final SqliteFile db;

    private WorkflowStore(SqliteFile db) {
        this.db = db;
    }

    /** Opens (creating when missing) {@code <dataDir>/workflows.db} and migrates it to the current schema. */
    public static WorkflowStore open(Path dataDir) throws WorkflowStoreException {
        Objects.requireNonNull(dataDir, "dataDir");
        Path dir = dataDir.toAbsolutePath();
        Path dbFile = dir.resolve(DB_FILE_NAME);
        try {
            return new WorkflowStore(SqliteFile.open(dbFile, WorkflowMigrations.ALL, true, BUSY_TIMEOUT_MILLIS));
        } catch (IOException e) {
            throw new WorkflowStoreException(Kind.UNAVAILABLE, "cannot create the data directory " + dir + ": " + e, e);
        } catch (SQLException e) {
            throw unavailable("open the database", dbFile, e);
        } catch (SessionStoreException e) {
            throw new WorkflowStoreException(Kind.UNAVAILABLE, e.getMessage(), e);
        }
    }

    public Path databaseFile() {
        return db.file();
    }

    /** Stores a new workflow. CONFLICT when its id exists. */
    public void create(WorkflowRecord w) throws WorkflowStoreException {
        Objects.requireNonNull(w, "workflow");
        inTransaction("create a workflow", c -> {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO workflows (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
                bindWorkflow(st, w);
                if (st.executeUpdate() != 1) {
                    throw new WorkflowStoreException(Kind.CONFLICT, "workflow '" + w.id() + "' already exists");
                }
            }
            return null;
        });
    }

    public Optional<WorkflowRecord> get(String id) throws WorkflowStoreException {
        Objects.requireNonNull(id, "id");
        return withConnection("read a workflow", c -> {
            List<WorkflowRecord> found = query(c, "SELECT " + COLUMNS + " FROM workflows WHERE id = ?", id);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
        });
    }

    /** Every RUNNING or WAITING workflow: what the engine resumes at start-up. */
    public List<WorkflowRecord> active() throws WorkflowStoreException {
        return withConnection("list active workflows", c -> query(c, "SELECT " + COLUMNS
                + " FROM workflows WHERE status IN ('RUNNING', 'WAITING') ORDER BY created_at, id"));
    }

    /** The workflow's step rows in execution order. */
    public List<StepRecord> steps(String workflowId) throws WorkflowStoreException {
        Objects.requireNonNull(workflowId, "workflowId");
        return withConnection("list steps", c -> querySteps(c, "SELECT " + STEP_COLUMNS
                + " FROM workflow_steps WHERE workflow_id = ? ORDER BY seq", workflowId));
    }

    public Optional<StepRecord> step(String workflowId, int seq) throws WorkflowStoreException {
        Objects.requireNonNull(workflowId, "workflowId");
        return withConnection("read a step", c -> {
            List<StepRecord> found = querySteps(c, "SELECT " + STEP_COLUMNS
                    + " FROM workflow_steps WHERE workflow_id = ? AND seq = " + seq, workflowId);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
        });
    }

    /**
     * One transition, in one transaction: writes the workflow row, the step row (inserted or replaced; may be null)
     * and deletes the buffered event {@code consumedEventId} (0: none). NOT_FOUND when the workflow is unknown.
     */
    public void commit(WorkflowRecord w, StepRecord step, long consumedEventId) throws WorkflowStoreException {
        Objects.requireNonNull(w, "workflow");
        inTransaction("record a workflow transition", c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE workflows SET status = ?, current_step = ?,"
                    + " step_seq = ?, attempt = ?, wake_at = ?, waiting_event = ?, executed = ?, error = ?,"
                    + " updated_at = ? WHERE id = ?")) {
                st.setString(1, w.status().name());
                st.setInt(2, w.currentStep());
                st.setInt(3, w.stepSeq());
                st.setInt(4, w.attempt());
                st.setLong(5, w.wakeAt());
                st.setString(6, w.waitingEvent());
                st.setInt(7, w.executed());
                st.setString(8, w.error());
                st.setLong(9, w.updatedAt());
                st.setString(10, w.id());
                if (st.executeUpdate() != 1) {
                    throw new WorkflowStoreException(Kind.NOT_FOUND, "no workflow '" + w.id() + "'");
                }
            }
            if (step != null) {
                writeStep(c, step);
            }
            if (consumedEventId != 0) {
                try (PreparedStatement st = c.prepareStatement("DELETE FROM workflow_events WHERE id = ?")) {
                    st.setLong(1, consumedEventId);
                    st.executeUpdate();
                }
            }
            return null;
        });
    }

    /** Writes one step row alone: the outcome of an attempt that arrived after its workflow was cancelled. */
    public void recordStep(StepRecord step) throws WorkflowStoreException {
        Objects.requireNonNull(step, "step");
        inTransaction("record a step", c -> {
            writeStep(c, step);
            return null;
        });
    }

    /**
     * Keeps an event for a later {@code wait_event}. CONFLICT when the workflow already holds {@code max} events
     * (a client cannot grow the database without bound).
     */
    public void bufferEvent(String workflowId, String name, String payloadJson, long now, int max)
            throws WorkflowStoreException {
        inTransaction("buffer an event", c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT count(*) FROM workflow_events WHERE workflow_id = ?")) {
                st.setString(1, workflowId);
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next() && rs.getInt(1) >= max) {
                        throw new WorkflowStoreException(Kind.CONFLICT, "workflow '" + workflowId + "' already holds "
                                + max + " undelivered events");
                    }
                }
            }
            try (PreparedStatement st = c.prepareStatement("INSERT INTO workflow_events (workflow_id, name,"
                    + " payload_json, created_at) VALUES (?, ?, ?, ?)")) {
                st.setString(1, workflowId);
                st.setString(2, name);
                st.setString(3, payloadJson);
                st.setLong(4, now);
                st.executeUpdate();
            }
            return null;
        });
    }

    /** The oldest buffered event named {@code name}, if any. */
    public Optional<BufferedEvent> firstEvent(String workflowId, String name) throws WorkflowStoreException {
        return withConnection("read an event", c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT id, name, payload_json FROM workflow_events"
                    + " WHERE workflow_id = ? AND name = ? ORDER BY id LIMIT 1")) {
                st.setString(1, workflowId);
                st.setString(2, name);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(new BufferedEvent(rs.getLong(1), rs.getString(2), rs.getString(3)))
                            : Optional.empty();
                }
            }
        });
    }

    /** Closes the connection; later calls fail as UNAVAILABLE. */
    @Override
    public void close() {
        db.close();
    }

    // ---- rows ----

    private static void bindWorkflow(PreparedStatement st, WorkflowRecord w) throws SQLException {
        st.setString(1, w.id());
        st.setString(2, w.name());
        st.setString(3, w.definitionJson());
        st.setString(4, w.paramsJson());
        st.setString(5, w.sessionId());
        st.setString(6, w.keyId());
        st.setString(7, w.status().name());
        st.setInt(8, w.currentStep());
        st.setInt(9, w.stepSeq());
        st.setInt(10, w.attempt());
        st.setLong(11, w.wakeAt());
        st.setString(12, w.waitingEvent());
        st.setInt(13, w.executed());
        st.setString(14, w.error());
        st.setLong(15, w.createdAt());
        st.setLong(16, w.updatedAt());
    }

    private static void writeStep(Connection c, StepRecord s) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT OR REPLACE INTO workflow_steps (" + STEP_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            st.setString(1, s.workflowId());
            st.setInt(2, s.seq());
            st.setString(3, s.stepId());
            st.setString(4, s.type());
            st.setInt(5, s.attempt());
            st.setString(6, s.status().name());
            if (s.resultJson() == null) {
                st.setNull(7, Types.VARCHAR);
            } else {
                st.setString(7, s.resultJson());
            }
            st.setString(8, s.error());
            st.setLong(9, s.startedAt());
            st.setLong(10, s.finishedAt());
            st.executeUpdate();
        }
    }

    private static List<WorkflowRecord> query(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setString(i + 1, args[i]);
            }
            List<WorkflowRecord> out = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new WorkflowRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), WorkflowStatus.valueOf(rs.getString(7)), rs.getInt(8),
                            rs.getInt(9), rs.getInt(10), rs.getLong(11), rs.getString(12), rs.getInt(13),
                            rs.getString(14), rs.getLong(15), rs.getLong(16)));
                }
            }
            return out;
        }
    }

    private static List<StepRecord> querySteps(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setString(i + 1, args[i]);
            }
            List<StepRecord> out = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new StepRecord(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4),
                            rs.getInt(5), StepStatus.valueOf(rs.getString(6)), rs.getString(7), rs.getString(8),
                            rs.getLong(9), rs.getLong(10)));
                }
            }
            return out;
        }
    }

    // ---- plumbing ----

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection c) throws SQLException, WorkflowStoreException;
    }

    private <T> T withConnection(String what, SqlWork<T> work) throws WorkflowStoreException {
        try {
            return db.call(work::run);
        } catch (SQLException e) {
            throw unavailable(what, db.file(), e);
        }
    }

    /** One IMMEDIATE transaction: committed (fsync) before returning, rolled back on any failure. */
    private <T> T inTransaction(String what, SqlWork<T> work) throws WorkflowStoreException {
        try {
            return db.transaction(work::run);
        } catch (SQLException e) {
            throw unavailable(what, db.file(), e);
        }
    }

    private static WorkflowStoreException unavailable(String what, Path dbFile, SQLException e) {
        return new WorkflowStoreException(Kind.UNAVAILABLE, "workflow store " + dbFile + ": cannot " + what + ": "
                + e.getMessage(), e);
    }

}
