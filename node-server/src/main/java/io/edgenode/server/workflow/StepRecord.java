package io.edgenode.server.workflow;

import java.util.Objects;

/**
 * One executed step: a row of the store, updated by each attempt. Immutable. A step run twice (a loop) has two rows
 * with two sequence numbers; a retried step keeps its row and sequence number.
 *
 * @param seq        1-based, in execution order within the workflow
 * @param resultJson the result as compact JSON, null when none (or JSON {@code null})
 * @param finishedAt epoch millis, 0 while RUNNING
 */
public record StepRecord(String workflowId, int seq, String stepId, String type, int attempt, StepStatus status,
        String resultJson, String error, long startedAt, long finishedAt) {

    public StepRecord {
        Objects.requireNonNull(workflowId, "workflowId");
        Objects.requireNonNull(stepId, "stepId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(status, "status");
    }

    static StepRecord running(String workflowId, int seq, Step step, int attempt, long now) {
        return new StepRecord(workflowId, seq, step.id(), step.type(), attempt, StepStatus.RUNNING, null, null, now, 0);
    }

    StepRecord succeeded(String result, long now) {
        return new StepRecord(workflowId, seq, stepId, type, attempt, StepStatus.SUCCEEDED, result, null, startedAt,
                Math.max(1, now));
    }

    StepRecord failed(String why, long now) {
        return new StepRecord(workflowId, seq, stepId, type, attempt, StepStatus.FAILED, null, why, startedAt,
                Math.max(1, now));
    }

    /** The same row started again as {@code nextAttempt}. */
    StepRecord retried(int nextAttempt, long now) {
        return new StepRecord(workflowId, seq, stepId, type, nextAttempt, StepStatus.RUNNING, null, error, now, 0);
    }

    /** The idempotency key of every attempt of this row: the same on a retry and after a crash. */
    String idempotencyKey() {
        return workflowId + ":" + stepId + ":" + seq;
    }
}
