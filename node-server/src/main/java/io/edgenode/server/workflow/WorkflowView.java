package io.edgenode.server.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything {@code GET /v1/workflows/{id}} shows: the workflow and every executed step with its result and error.
 * Immutable snapshot, safe to hand to any thread (the JSON inside is never changed after construction).
 *
 * @param currentStep  the id of the step running or next, null once finished
 * @param waitingEvent the event a WAITING workflow waits for, else null
 * @param waitingUntil epoch millis a WAITING workflow goes on at (or times out), 0 when not waiting
 */
public record WorkflowView(String id, String name, String sessionId, WorkflowStatus status, String currentStep,
        JsonNode params, List<StepView> steps, String waitingEvent, long waitingUntil, String error, long createdAt,
        long updatedAt, String keyId) {
    // keyId: the API key that created it (null: keyless); who may see it and act on it. Not in the JSON.


    /** One executed step (a step run twice in a loop appears twice). */
    public record StepView(String id, String type, StepStatus status, int attempt, JsonNode result, String error,
            long startedAt, long finishedAt) {}

    public WorkflowView {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        steps = List.copyOf(steps);
    }

    static WorkflowView of(WorkflowRecord w, List<StepRecord> rows) {
        String current = null;
        if (!w.status().isFinished()) {
            JsonNode def = WorkflowJson.read(w.definitionJson());
            JsonNode step = def.path("steps").path(w.currentStep());
            current = step.path("id").isTextual() ? step.path("id").asText() : null;
        }
        List<StepView> steps = rows.stream().map(r -> new StepView(r.stepId(), r.type(), r.status(), r.attempt(),
                WorkflowJson.read(r.resultJson()), r.error(), r.startedAt(), r.finishedAt())).toList();
        boolean waiting = w.status() == WorkflowStatus.WAITING;
        return new WorkflowView(w.id(), w.name(), w.sessionId(), w.status(), current,
                WorkflowJson.read(w.paramsJson()), steps, waiting ? w.waitingEvent() : null, waiting ? w.wakeAt() : 0,
                w.error(), w.createdAt(), w.updatedAt(), w.keyId());
    }

    /**
     * {@code {"id","object":"workflow","name","session_id","status","current_step","params","steps":[...],
     * "waiting_for"?,"error","created_at","updated_at"}} in UTF-8; times RFC 3339 UTC, statuses lowercase.
     */
    public byte[] toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.put("id", id);
        o.put("object", "workflow");
        o.put("name", name);
        o.put("session_id", sessionId);
        o.put("status", status.wireName());
        o.put("current_step", currentStep);
        o.set("params", params == null ? f.objectNode() : params);
        ArrayNode a = o.putArray("steps");
        for (StepView s : steps) {
            ObjectNode so = a.addObject();
            so.put("id", s.id());
            so.put("type", s.type());
            so.put("status", s.status().wireName());
            so.put("attempt", s.attempt());
            so.set("result", s.result() == null ? f.nullNode() : s.result());
            so.put("error", s.error());
            so.put("started_at", time(s.startedAt()));
            so.put("finished_at", time(s.finishedAt()));
        }
        if (status == WorkflowStatus.WAITING) {
            ObjectNode w = o.putObject("waiting_for");
            if (waitingEvent != null) {
                w.put("event", waitingEvent);
            }
            w.put("until", time(waitingUntil));
        }
        o.put("error", error);
        o.put("created_at", time(createdAt));
        o.put("updated_at", time(updatedAt));
        return WorkflowJson.bytes(o);
    }

    private static String time(long millis) {
        return millis == 0 ? null : Instant.ofEpochMilli(millis).toString();
    }
}
