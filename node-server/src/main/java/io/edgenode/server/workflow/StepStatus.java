package io.edgenode.server.workflow;

import java.util.Locale;

/** How one executed step (one row, all its attempts) stands. */
public enum StepStatus {
    RUNNING, SUCCEEDED, FAILED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
