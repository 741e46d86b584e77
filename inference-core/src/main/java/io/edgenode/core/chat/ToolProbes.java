package io.edgenode.core.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Finds a template's {@link ToolCapabilities} by rendering synthetic conversations, as llama.cpp's
 * caps detection does: a tool whose name must show up in the prompt, and one call rendered with
 * its arguments as text and as a mapping, looking for the arguments' key as JSON in each.
 *
 * <p>Stateless; safe from any thread.
 */
final class ToolProbes {

    static final String TOOL_NAME = "probe_tool_alpha";
    static final String ARGUMENT_KEY = "argument_needle";
    /** Nine alphanumerics: Mistral's templates refuse any other call id. */
    static final String CALL_ID = "call00001";

    private ToolProbes() {}

    static ToolCapabilities probe(ChatTemplate template) {
        boolean tools = rendersWith(template, List.of(new ChatMessage("user", "Hey")), List.of(tool()), TOOL_NAME);
        List<ChatMessage> history = history();
        // Text passed through shows as JSON (`"argument_needle":`); a mapping may show in any form
        // (tojson, Python repr, one <parameter=argument_needle> per key). A string given to tojson comes
        // out escaped (\"argument_needle\"), and templates that iterate .items() fail on a string: both
        // want the mapping. Rendered without tools: the tool's schema names the key on its own.
        boolean asText = rendersWith(template, history, List.of(), "\"" + ARGUMENT_KEY + "\":", false);
        boolean asObject = rendersWith(template, history, List.of(), ARGUMENT_KEY, true);
        return new ToolCapabilities(tools, asText || asObject, !asText && asObject);
    }

    /** A user turn, one call and its result, and a closing answer. */
    static List<ChatMessage> history() {
        return List.of(new ChatMessage("user", "Hey"),
                ChatMessage.assistantCalls(null, List.of(new ToolCall(CALL_ID, TOOL_NAME,
                        "{\"" + ARGUMENT_KEY + "\": \"print('Hello, World!')\"}"))),
                ChatMessage.toolResult(CALL_ID, "Hello, World!"),
                new ChatMessage("assistant", "Done."));
    }

    static ToolSpec tool() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode parameters = json.createObjectNode().put("type", "object");
        parameters.putObject("properties").putObject(ARGUMENT_KEY).put("type", "string");
        parameters.putArray("required").add(ARGUMENT_KEY);
        return new ToolSpec(TOOL_NAME, "A probe tool.", parameters, false);
    }

    private static boolean rendersWith(ChatTemplate t, List<ChatMessage> messages, List<ToolSpec> tools, String needle) {
        return rendersWith(t, messages, tools, needle, false);
    }

    private static boolean rendersWith(ChatTemplate t, List<ChatMessage> messages, List<ToolSpec> tools, String needle,
            boolean asObject) {
        try {
            return t.render(messages, false, tools, asObject).contains(needle);
        } catch (ChatTemplateException e) {
            return false; // a template that refuses the probe does not support it
        }
    }
}
