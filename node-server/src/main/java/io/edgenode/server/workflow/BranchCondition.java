package io.edgenode.server.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * The test of a {@code branch} step: a value read at {@code path} ({@code steps.<id>.<dotted path>} or {@code
 * params.<dotted path>}) compared with a JSON value, or checked for presence. Immutable.
 *
 * @param value the JSON to compare with ({@code equals}, {@code not_equals}); ignored by the {@code exists} tests
 */
public record BranchCondition(String path, Op op, JsonNode value) {
    public enum Op {
        EQUALS, NOT_EQUALS, EXISTS, NOT_EXISTS
    }

    public BranchCondition {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(op, "op");
    }

    /** Whether the condition holds in {@code scope}. A JSON null does not "exist"; a missing value equals nothing. */
    public boolean test(WorkflowScope scope) {
        JsonNode found = scope.lookup(path);
        boolean present = found != null && !found.isNull();
        return switch (op) {
            case EXISTS -> present;
            case NOT_EXISTS -> !present;
            case EQUALS -> found != null && sameJson(found, value);
            case NOT_EQUALS -> found == null || !sameJson(found, value);
        };
    }

    /** JSON equality where numbers compare by value: a model writing {@code 1.0} for {@code 1} still matches. */
    static boolean sameJson(JsonNode a, JsonNode b) {
        return a.equals((x, y) -> x.isNumber() && y.isNumber()
                ? x.decimalValue().compareTo(y.decimalValue())
                : x.equals(y) ? 0 : 1, b);
    }
}
