package io.edgenode.server.jobs;

/**
 * Told when a scheduled run's action ended (any thread; must not block): the node tells the
 * session's live clients.
 */
public interface RunListener {
    RunListener NONE = (schedule, run, result) -> { };

    void finished(Schedule schedule, ScheduleRun run, RunResult result);
}
