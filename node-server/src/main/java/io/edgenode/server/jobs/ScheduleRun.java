package io.edgenode.server.jobs;

import java.util.Objects;

/**
 * One run of a schedule, as stored. Immutable. A run is written (started) before its action runs and finished
 * after; one with {@code finishedAt == 0} after a restart is a run the node died during.
 *
 * @param runId      {@code run_...}; a retry keeps it (the action can use it as an idempotency key)
 * @param dueAt      the planned time it ran for (epoch millis); lateness is {@code startedAt - dueAt}
 * @param attempt    1, or 2 for the one retry after a crash
 * @param finishedAt epoch millis, 0 while running
 * @param outcome    null while running
 * @param error      why it failed or was skipped, or null
 */
public record ScheduleRun(String runId, String scheduleId, long dueAt, int attempt, long startedAt, long finishedAt,
        Outcome outcome, String error) {

    public enum Outcome { OK, FAILED, SKIPPED }

    public ScheduleRun {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(scheduleId, "scheduleId");
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, got " + attempt);
        }
    }

    public boolean isFinished() {
        return finishedAt != 0;
    }

    public long latenessMillis() {
        return Math.max(0, startedAt - dueAt);
    }
}
