package io.edgenode.server.workflow;

import io.edgenode.server.session.SchemaMigrations.Migration;
import java.util.List;

/**
 * The schema of {@code workflows.db}, applied by {@link io.edgenode.server.session.SchemaMigrations#migrate}. Append
 * new steps; never edit a released one. Times are epoch millis; 0 means none.
 */
final class WorkflowMigrations {
    static final List<Migration> ALL = List.of(
            new Migration(1, "workflows, steps and buffered events", List.of(
                    """
                    CREATE TABLE workflows (
                        id              TEXT    NOT NULL PRIMARY KEY,
                        name            TEXT,
                        definition_json TEXT    NOT NULL,
                        params_json     TEXT    NOT NULL,
                        session_id      TEXT,
                        key_id          TEXT,
                        status          TEXT    NOT NULL,
                        current_step    INTEGER NOT NULL,
                        step_seq        INTEGER NOT NULL,
                        attempt         INTEGER NOT NULL,
                        wake_at         INTEGER NOT NULL,
                        waiting_event   TEXT,
                        executed        INTEGER NOT NULL,
                        error           TEXT,
                        created_at      INTEGER NOT NULL,
                        updated_at      INTEGER NOT NULL
                    ) STRICT""",
                    "CREATE INDEX workflows_active ON workflows (wake_at) WHERE status IN ('RUNNING', 'WAITING')",
                    """
                    CREATE TABLE workflow_steps (
                        workflow_id  TEXT    NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
                        seq          INTEGER NOT NULL,
                        step_id      TEXT    NOT NULL,
                        type         TEXT    NOT NULL,
                        attempt      INTEGER NOT NULL,
                        status       TEXT    NOT NULL,
                        result_json  TEXT,
                        error        TEXT,
                        started_at   INTEGER NOT NULL,
                        finished_at  INTEGER NOT NULL,
                        PRIMARY KEY (workflow_id, seq)
                    ) STRICT""",
                    // Events delivered before a wait_event asks for them; consumed (deleted) oldest first.
                    """
                    CREATE TABLE workflow_events (
                        id           INTEGER PRIMARY KEY AUTOINCREMENT,
                        workflow_id  TEXT    NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
                        name         TEXT    NOT NULL,
                        payload_json TEXT,
                        created_at   INTEGER NOT NULL
                    ) STRICT""",
                    "CREATE INDEX events_by_workflow ON workflow_events (workflow_id, name, id)")));

    private WorkflowMigrations() {}
}
