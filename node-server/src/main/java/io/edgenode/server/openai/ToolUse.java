package io.edgenode.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.core.chat.ToolSpec;
import io.edgenode.core.chat.tools.ToolChoice;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A chat request's tools: {@code tools}, {@code tool_choice} and {@code parallel_tool_calls},
 * validated together (a {@code tool_choice} naming a function the request does not offer is the
 * client's error, as OpenAI answers it). Immutable.
 */
public record ToolUse(List<ToolSpec> tools, ToolChoice choice, boolean parallel) {
    /** OpenAI's rule for function names. */
    static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    /** OpenAI's limit on {@code tools}. */
    static final int MAX_TOOLS = 128;

    public ToolUse {
        tools = List.copyOf(tools);
        Objects.requireNonNull(choice, "choice");
        if (tools.isEmpty()) {
            throw new IllegalArgumentException("no tools");
        }
    }

    /** Whether the model may produce calls at all ({@code tool_choice} other than none). */
    public boolean callsAllowed() {
        return !(choice instanceof ToolChoice.None);
    }

    /**
     * Reads the three fields; null when the request offers no tools (absent or an empty array).
     *
     * @throws ApiException 400 naming the offending {@code param}
     */
    static ToolUse parse(ParamReader r) {
        JsonNode toolsNode = r.get("tools");
        JsonNode choiceNode = r.get("tool_choice");
        boolean parallel = r.bool("parallel_tool_calls", true);
        if (toolsNode == null || toolsNode.isArray() && toolsNode.isEmpty()) {
            if (choiceNode != null && !(choiceNode.isTextual() && choiceNode.textValue().equals("none"))) {
                throw new ApiException(ApiError.invalidRequest("tool_choice",
                        "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified."));
            }
            return null;
        }
        if (!toolsNode.isArray()) {
            throw ParamReader.invalidType("tools", "an array", toolsNode);
        }
        if (toolsNode.size() > MAX_TOOLS) {
            throw ParamReader.arrayTooLong("tools", MAX_TOOLS, toolsNode.size());
        }
        List<ToolSpec> tools = new ArrayList<>(toolsNode.size());
        Set<String> names = new HashSet<>();
        for (int i = 0; i < toolsNode.size(); i++) {
            ToolSpec t = tool(ParamReader.object(toolsNode.get(i), "tools[" + i + "]"));
            if (!names.add(t.name())) {
                throw new ApiException(ApiError.invalidRequest("tools[" + i + "].function.name",
                        "Duplicate function name '" + t.name() + "' in tools."));
            }
            tools.add(t);
        }
        return new ToolUse(tools, choice(choiceNode, names), parallel);
    }

    /** {@code {"type":"function","function":{"name","description","parameters","strict"}}}. */
    private static ToolSpec tool(ParamReader t) {
        String type = t.requiredString("type");
        if (!type.equals("function")) {
            throw ParamReader.unsupportedValue(t.param("type"), "'" + ParamReader.echo(type) + "'",
                    "Only 'function' tools are supported.");
        }
        ParamReader f = ParamReader.object(t.required("function"), t.param("function"));
        String name = f.requiredString("name");
        if (!NAME.matcher(name).matches()) {
            throw new ApiException(ApiError.invalidRequest(f.param("name"), "invalid_value",
                    "Invalid 'tools[].function.name': string does not match pattern. Expected a string that matches"
                            + " the pattern '^[a-zA-Z0-9_-]{1,64}$'."));
        }
        String description = f.string("description");
        JsonNode parameters = f.get("parameters");
        if (parameters == null) {
            ObjectNode empty = JsonNodeFactory.instance.objectNode();
            empty.put("type", "object");
            empty.putObject("properties");
            parameters = empty;
        } else if (!parameters.isObject()) {
            throw ParamReader.invalidType(f.param("parameters"), "an object", parameters);
        }
        return new ToolSpec(name, description, parameters, f.bool("strict", false));
    }

    /** {@code "none"|"auto"|"required"} or {@code {"type":"function","function":{"name"}}}; absent: auto. */
    private static ToolChoice choice(JsonNode n, Set<String> names) {
        if (n == null) {
            return ToolChoice.AUTO;
        }
        if (n.isTextual()) {
            return switch (n.textValue()) {
                case "none" -> ToolChoice.NONE;
                case "auto" -> ToolChoice.AUTO;
                case "required" -> ToolChoice.REQUIRED;
                default -> throw ParamReader.invalidValue("tool_choice", ParamReader.echo(n.textValue()),
                        List.of("none", "auto", "required"));
            };
        }
        ParamReader c = ParamReader.object(n, "tool_choice");
        String type = c.requiredString("type");
        if (!type.equals("function")) {
            throw ParamReader.unsupportedValue(c.param("type"), "'" + ParamReader.echo(type) + "'",
                    "Only 'function' tool choices are supported.");
        }
        String name = ParamReader.object(c.required("function"), c.param("function")).requiredString("name");
        if (!names.contains(name)) {
            throw new ApiException(ApiError.invalidRequest("tool_choice", "invalid_value",
                    "Invalid value for 'tool_choice': no function named '" + ParamReader.echo(name)
                            + "' was specified in the 'tools' parameter."));
        }
        return new ToolChoice.Named(name);
    }
}
