package io.edgenode.server.http;

import io.edgenode.server.live.LiveHub;
import io.edgenode.server.live.LiveMessages;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.workflow.WorkflowListener;
import io.edgenode.server.workflow.WorkflowStatus;

/**
 * What the node does with a workflow's progress: counts it ({@code edgenode_workflow_steps_total},
 * {@code edgenode_workflows_finished_total}) and, for a workflow on a session, tells the session's
 * live clients ({@code workflow.step}, {@code workflow.finished}). Called on the workflow engine's
 * threads; only queues. Thread-safe (stateless).
 */
final class WorkflowEvents implements WorkflowListener {
    private final LiveHub hub; // null: no live clients
    private final ServerMetrics metrics;

    WorkflowEvents(LiveHub hub, ServerMetrics metrics) {
        this.hub = hub;
        this.metrics = metrics;
    }

    @Override
    public void stepStarted(String workflowId, String sessionId, String stepId, String type, int attempt) {
        metrics.workflowStep("started");
        tell(sessionId, LiveMessages.workflowStep(sessionId == null ? "" : sessionId, workflowId, stepId, "started",
                null));
    }

    @Override
    public void stepFinished(String workflowId, String sessionId, String stepId, boolean ok, String error) {
        metrics.workflowStep(ok ? "succeeded" : "failed");
        tell(sessionId, LiveMessages.workflowStep(sessionId == null ? "" : sessionId, workflowId, stepId,
                ok ? "succeeded" : "failed", error));
    }

    @Override
    public void workflowFinished(String workflowId, String sessionId, WorkflowStatus status, String error) {
        metrics.workflowFinished(status.wireName());
        tell(sessionId, LiveMessages.workflowFinished(sessionId == null ? "" : sessionId, workflowId,
                status.wireName(), error));
    }

    private void tell(String sessionId, String json) {
        if (hub != null && sessionId != null) {
            hub.existing(sessionId).ifPresent(s -> s.broadcast(json));
        }
    }
}
