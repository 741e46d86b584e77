package io.edgenode.server.workflow;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How one attempt of a {@code turn} or {@code http} step ended. Immutable.
 *
 * @param result the step's result when ok (what later templates and branches read as {@code steps.<id>...}); may be
 *               null
 * @param error  why it failed, when not ok: shown to the API client, so no internals
 */
public record StepOutcome(boolean ok, JsonNode result, String error) {
    public static StepOutcome success(JsonNode result) {
        return new StepOutcome(true, result, null);
    }

    public static StepOutcome failure(String error) {
        return new StepOutcome(false, null, error == null || error.isBlank() ? "the step failed" : error);
    }
}
