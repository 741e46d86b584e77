package io.edgenode.server.workflow;

/**
 * Told of a workflow's progress (the server counts metrics and tells the session's live clients). Called on the
 * engine's thread, or on the thread that delivered an event or cancelled, after the transition was committed:
 * implementations must be cheap, thread-safe and must not call back into {@link Workflows}.
 */
public interface WorkflowListener {
    WorkflowListener NONE = new WorkflowListener() {};

    /** An attempt of a step began ({@code attempt} 1, or a retry). */
    default void stepStarted(String workflowId, String sessionId, String stepId, String type, int attempt) {}

    /** A step's attempt ended; {@code error} is null when ok. */
    default void stepFinished(String workflowId, String sessionId, String stepId, boolean ok, String error) {}

    /** The workflow ended: SUCCEEDED, FAILED (with {@code error}) or CANCELLED. */
    default void workflowFinished(String workflowId, String sessionId, WorkflowStatus status, String error) {}
}
