package io.edgenode.server.jobs;

/**
 * Callbacks for the scheduler's counters and lateness histogram; the server maps them to Prometheus. Called on the
 * scheduler's thread or on the thread that finished a run: implementations must be cheap and thread-safe.
 */
public interface JobMetrics {
    JobMetrics NONE = new JobMetrics() {};

    /** An action started; {@code latenessMillis} is its start minus its planned due time. */
    default void runStarted(long latenessMillis) {}

    default void runOk() {}

    default void runFailed() {}

    /** A run the node died during was started again (attempt 2). */
    default void runRetried() {}

    /** A run the node died during twice was given up as FAILED. */
    default void runAbandoned() {}

    /** A due missed while the node was down was skipped (policy {@code skip}). */
    default void runSkipped() {}
}
