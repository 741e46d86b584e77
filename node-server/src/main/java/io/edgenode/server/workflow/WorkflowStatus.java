package io.edgenode.server.workflow;

import java.util.Locale;

/** Where a workflow stands. Ordered so that {@link #isFinished()} is one comparison. */
public enum WorkflowStatus {
    /** A step runs now, or the workflow is ready for its next one. */
    RUNNING,
    /** Holding no thread until a time: a sleep, a wait_until, a wait_event (and its timeout), a retry's backoff. */
    WAITING,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    public boolean isFinished() {
        return compareTo(SUCCEEDED) >= 0;
    }

    /** As the API writes it: lowercase. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
