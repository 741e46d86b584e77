package io.edgenode.server.jobs;

import io.edgenode.server.session.SchemaMigrations.Migration;
import java.util.List;

/**
 * The schema of {@code jobs.db}, applied by {@link io.edgenode.server.session.SchemaMigrations#migrate}. Append new
 * steps; never edit a released one. Times are epoch millis; 0 means none (no end, not finished).
 */
final class ScheduleMigrations {
    static final List<Migration> ALL = List.of(
            new Migration(1, "schedules and runs", List.of(
                    """
                    CREATE TABLE schedules (
                        id           TEXT    NOT NULL PRIMARY KEY,
                        session_id   TEXT    NOT NULL,
                        spec_json    TEXT    NOT NULL,
                        action_json  TEXT    NOT NULL,
                        key_id       TEXT,
                        max_runs     INTEGER NOT NULL,
                        until_at     INTEGER NOT NULL,
                        missed       TEXT    NOT NULL,
                        created_at   INTEGER NOT NULL,
                        next_due_at  INTEGER NOT NULL,
                        run_count    INTEGER NOT NULL,
                        state        TEXT    NOT NULL
                    ) STRICT""",
                    "CREATE INDEX schedules_by_session ON schedules (session_id, created_at)",
                    "CREATE INDEX schedules_active ON schedules (next_due_at) WHERE state = 'ACTIVE'",
                    // No foreign key to schedules: a deleted schedule's rows stay (state DELETED) with their runs,
                    // and a run in flight can still be finished after its schedule was deleted.
                    """
                    CREATE TABLE schedule_runs (
                        run_id       TEXT    NOT NULL PRIMARY KEY,
                        schedule_id  TEXT    NOT NULL,
                        due_at       INTEGER NOT NULL,
                        attempt      INTEGER NOT NULL,
                        started_at   INTEGER NOT NULL,
                        finished_at  INTEGER NOT NULL DEFAULT 0,
                        outcome      TEXT,
                        error        TEXT
                    ) STRICT""",
                    "CREATE INDEX runs_by_schedule ON schedule_runs (schedule_id, due_at)",
                    "CREATE INDEX runs_unfinished ON schedule_runs (started_at) WHERE finished_at = 0")));

    private ScheduleMigrations() {}
}
