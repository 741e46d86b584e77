package io.edgenode.core.chat.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.core.chat.ToolSpec;

/** Tools for the tests. */
final class ToolFixtures {
    private ToolFixtures() {}

    /** As Apriel renders calls: {@code <tool_calls>[{"name": ..., "arguments": {...}}, ...]</tool_calls>}. */
    static DerivedFormat derivedArray() {
        String one = "{\"name\": \"probe_tool_alpha\", \"arguments\": {\"argument_needle\": \"x\"}}";
        return java.util.Objects.requireNonNull(DerivedFormat.derive("\n<tool_calls>[" + one + "]</tool_calls>",
                "\n<tool_calls>[" + one + ", " + one + "]</tool_calls>"));
    }

    /** As Kimi K2 renders calls (name before the arguments; its numbered second call does not read back). */
    static DerivedFormat derivedNamed() {
        String call = "<|tool_call_begin|>functions.probe_tool_alpha:0<|tool_call_argument_begin|>{\"argument_needle\": \"x\"}<|tool_call_end|>";
        return java.util.Objects.requireNonNull(DerivedFormat.derive("<|tool_calls_section_begin|>" + call + "<|tool_calls_section_end|>",
                "<|tool_calls_section_begin|>" + call + call.replace(":0", ":1") + "<|tool_calls_section_end|>"));
    }

    /** A tool taking an optional string {@code location}. */
    static ToolSpec tool(String name) {
        ObjectNode parameters = new ObjectMapper().createObjectNode().put("type", "object");
        parameters.putObject("properties").putObject("location").put("type", "string");
        return new ToolSpec(name, "The " + name + " tool.", parameters, false);
    }
}
