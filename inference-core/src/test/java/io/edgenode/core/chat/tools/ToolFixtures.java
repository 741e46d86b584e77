package io.edgenode.core.chat.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.core.chat.ToolSpec;

/** Tools for the tests. */
final class ToolFixtures {
    private ToolFixtures() {}

    /** A tool taking an optional string {@code location}. */
    static ToolSpec tool(String name) {
        ObjectNode parameters = new ObjectMapper().createObjectNode().put("type", "object");
        parameters.putObject("properties").putObject("location").put("type", "string");
        return new ToolSpec(name, "The " + name + " tool.", parameters, false);
    }
}
