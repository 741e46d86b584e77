package io.edgenode.server.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;

/**
 * What templates and branches can read: the workflow's parameters and the latest successful result of each step
 * (in a loop, the most recent run). Immutable snapshot, built by the engine before it renders or tests a step.
 */
public record WorkflowScope(JsonNode params, Map<String, JsonNode> results) {
    public WorkflowScope {
        Objects.requireNonNull(params, "params");
        results = Map.copyOf(results);
    }

    /**
     * The value at a dotted path ({@code params.user.name}, {@code steps.classify.labels.0}); a numeric segment
     * indexes an array. Null when any segment is missing; a JSON null result is returned as a NullNode.
     */
    public JsonNode lookup(String path) {
        String[] parts = path.split("\\.", -1);
        JsonNode node;
        int from;
        if (parts[0].equals("params")) {
            node = params;
            from = 1;
        } else if (parts[0].equals("steps") && parts.length >= 2) {
            node = results.get(parts[1]);
            from = 2;
        } else {
            return null;
        }
        for (int i = from; node != null && i < parts.length; i++) {
            String p = parts[i];
            if (node.isArray() && !p.isEmpty() && p.chars().allMatch(Character::isDigit) && p.length() < 10) {
                node = node.get(Integer.parseInt(p));
            } else if (node.isObject()) {
                node = node.get(p);
            } else {
                return null;
            }
        }
        return node;
    }
}
