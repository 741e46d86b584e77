package io.edgenode.server.workflow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * A definition read from {@code <dataDir>/workflows/<name>.json}, validated. Immutable by contract (the JSON is a
 * private copy, not to be changed).
 *
 * @param source the file's {@code {"steps":[...]}} part, as stored with each workflow started from it
 * @param params the file's default parameters ({@code {}} when none); a request's params override them by key
 */
public record StoredDefinition(String name, WorkflowDefinition definition, ObjectNode source, ObjectNode params) {
    public StoredDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(definition, "definition");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(params, "params");
    }
}
