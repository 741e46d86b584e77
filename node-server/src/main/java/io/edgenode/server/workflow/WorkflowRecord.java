package io.edgenode.server.workflow;

import java.util.Objects;

/**
 * One workflow row of the store, as read or about to be written. Immutable; the {@code with...} methods return the
 * next state, which the engine commits in one transaction.
 *
 * @param name           the stored definition's name, or null for a definition given inline
 * @param definitionJson the definition, compact JSON
 * @param paramsJson     the parameters (stored defaults merged with the request's), compact JSON object
 * @param currentStep    index of the step to run next or running now; {@code steps.size()} once past the last
 * @param stepSeq        the sequence number of the current step's row once begun, 0 before
 * @param attempt        the current step's attempt (1-based) once begun, 0 before
 * @param wakeAt         epoch millis when a WAITING workflow goes on (sleep end, event timeout, retry); 0 none
 * @param waitingEvent   the event a {@code wait_event} waits for, else null
 * @param executed       step rows begun so far (the last sequence number): what the step limit bounds
 */
public record WorkflowRecord(String id, String name, String definitionJson, String paramsJson, String sessionId,
        String keyId, WorkflowStatus status, int currentStep, int stepSeq, int attempt, long wakeAt,
        String waitingEvent, int executed, String error, long createdAt, long updatedAt) {

    public WorkflowRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(definitionJson, "definitionJson");
        Objects.requireNonNull(paramsJson, "paramsJson");
        Objects.requireNonNull(status, "status");
    }

    /** A new workflow, RUNNING at its first step. */
    static WorkflowRecord created(String id, String name, String definitionJson, String paramsJson, String sessionId,
            String keyId, long now) {
        return new WorkflowRecord(id, name, definitionJson, paramsJson, sessionId, keyId, WorkflowStatus.RUNNING, 0,
                0, 0, 0, null, 0, null, now, now);
    }

    /** The current step's row was begun as {@code seq}, attempt {@code attempt}; RUNNING. */
    WorkflowRecord begun(int seq, int attempt, long now) {
        return new WorkflowRecord(id, name, definitionJson, paramsJson, sessionId, keyId, WorkflowStatus.RUNNING,
                currentStep, seq, attempt, 0, null, Math.max(executed, seq), null, createdAt, now);
    }

    /** WAITING until {@code wakeAt} (and for {@code event} when not null). */
    WorkflowRecord waiting(long wake, String event, long now) {
        return new WorkflowRecord(id, name, definitionJson, paramsJson, sessionId, keyId, WorkflowStatus.WAITING,
                currentStep, stepSeq, attempt, wake, event, executed, null, createdAt, now);
    }

    /** The current step is done; RUNNING at step {@code next}, not begun. */
    WorkflowRecord movedTo(int next, long now) {
        return new WorkflowRecord(id, name, definitionJson, paramsJson, sessionId, keyId, WorkflowStatus.RUNNING, next,
                0, 0, 0, null, executed, null, createdAt, now);
    }

    /** Finished as {@code s}; {@code why} for FAILED. */
    WorkflowRecord finished(WorkflowStatus s, String why, long now) {
        return new WorkflowRecord(id, name, definitionJson, paramsJson, sessionId, keyId, s, currentStep, stepSeq,
                attempt, 0, null, executed, why, createdAt, now);
    }
}
