package io.edgenode.server.workflow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * One attempt of a {@code turn} or {@code http} step, handed to the {@link StepRunner}. Immutable by contract: the
 * runner may read {@code rendered} from any thread but must not change it.
 *
 * @param sessionId      the session a turn runs in (the step's, else the workflow's); null for an http step without
 *                       one
 * @param keyId          the API key that created the workflow (the turn runs as it), or null
 * @param type           {@code "turn"} or {@code "http"}
 * @param rendered       the step's fields after templating: a turn's chat fields ({@code messages}, {@code tools},
 *                       {@code response_format}, ...); an http step's {@code method}, {@code url} (already checked
 *                       against the allow-list after rendering), {@code headers}?, {@code body}?
 * @param idempotencyKey {@code workflowId:stepId:seq}: the same for every attempt of one executed step, also after a
 *                       crash; pass it on (an {@code Idempotency-Key} header) so a repeated call has one effect
 */
public record StepCall(String workflowId, String sessionId, String keyId, String stepId, int attempt, String type,
        ObjectNode rendered, String idempotencyKey) {
    public StepCall {
        Objects.requireNonNull(workflowId, "workflowId");
        Objects.requireNonNull(stepId, "stepId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(rendered, "rendered");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    }
}
