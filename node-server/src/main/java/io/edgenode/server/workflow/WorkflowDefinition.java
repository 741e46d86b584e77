package io.edgenode.server.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A validated workflow definition: its ordered steps. Immutable. Parsed by {@link DefinitionParser}; every refusal
 * is a 400 naming the place ({@code definition.steps[2].url}) before anything is stored or run.
 */
public record WorkflowDefinition(List<Step> steps) {
    /** At most this many steps in one definition. */
    public static final int MAX_STEPS = 200;

    public WorkflowDefinition {
        steps = List.copyOf(steps);
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("no steps");
        }
    }

    /**
     * Parses {@code {"steps":[...]}}.
     *
     * @param param       where the definition sits in its request ({@code definition}), prefixed to every error's
     *                    param
     * @param httpAllowed the allow-list of {@code http} step URLs
     * @throws io.edgenode.server.openai.ApiException 400 for anything invalid
     */
    public static WorkflowDefinition parse(JsonNode definition, String param, Predicate<URI> httpAllowed) {
        return new DefinitionParser(param, Objects.requireNonNull(httpAllowed, "httpAllowed")).parse(definition);
    }

    /** The index of the step with {@code id}, or -1. */
    public int indexOf(String id) {
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).id().equals(id)) {
                return i;
            }
        }
        return -1;
    }

    /** Step ids to indexes. */
    Map<String, Integer> indexes() {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < steps.size(); i++) {
            m.put(steps.get(i).id(), i);
        }
        return m;
    }
}
