package io.edgenode.core.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The variables a chat template reads, in the shapes Hugging Face's {@code apply_chat_template}
 * passes them (OpenAI's request shapes): {@code messages} with {@code tool_calls},
 * {@code tool_call_id} and {@code name}, and {@code tools}.
 *
 * <p>Stateless; safe from any thread. Every call builds fresh mutable maps, since a template may
 * call {@code .pop()} or {@code update()} on what it is given.
 */
final class TemplateInputs {

    /** Only reads JSON into plain maps and lists; configured once, never changed. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private TemplateInputs() {}

    /**
     * The {@code messages} list.
     *
     * @param argumentsAsObject pass each call's arguments parsed (a mapping) instead of as JSON text,
     *     for templates that iterate or {@code tojson} them (see {@link ToolCapabilities})
     */
    static List<Map<String, Object>> messages(List<ChatMessage> messages, boolean argumentsAsObject) {
        // A tool result's `name` is not in OpenAI's message; several templates print it, so it is
        // looked up from the call it answers.
        Map<String, String> namesById = new HashMap<>();
        List<Map<String, Object>> list = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = Objects.requireNonNull(messages.get(i), "messages[" + i + "]");
            if (!ChatTemplate.ROLES.contains(m.role())) {
                throw new ChatTemplateException("unsupported role '" + m.role() + "' in messages[" + i
                        + "]; expected one of system, user, assistant, tool");
            }
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            // null is Jinja's None here: templates test `message.content is none` on a calling turn.
            map.put("content", m.content());
            if (!m.toolCalls().isEmpty()) {
                List<Map<String, Object>> calls = new ArrayList<>(m.toolCalls().size());
                for (ToolCall call : m.toolCalls()) {
                    namesById.put(call.id(), call.name());
                    calls.add(call(call, argumentsAsObject));
                }
                // Absent unless non-empty: templates branch on `message.tool_calls is defined`.
                map.put("tool_calls", calls);
            }
            if (m.toolCallId() != null) {
                map.put("tool_call_id", m.toolCallId());
                String name = namesById.get(m.toolCallId());
                if (name != null) {
                    map.put("name", name);
                }
            }
            list.add(map);
        }
        return list;
    }

    private static Map<String, Object> call(ToolCall call, boolean argumentsAsObject) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", call.name());
        function.put("arguments", argumentsAsObject ? parsedOrText(call.arguments()) : call.arguments());
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("id", call.id());
        map.put("type", "function");
        map.put("function", function);
        return map;
    }

    /** The arguments as a mapping, or the text itself when it is not a JSON object. */
    static Object parsedOrText(String arguments) {
        try {
            Object value = JSON.readValue(arguments, Object.class);
            return value instanceof Map<?, ?> ? value : arguments;
        } catch (JsonProcessingException e) {
            return arguments;
        }
    }

    /** The {@code tools} list: {@code [{type: "function", function: {name, description, parameters}}]}. */
    static List<Map<String, Object>> tools(List<ToolSpec> tools) {
        List<Map<String, Object>> list = new ArrayList<>(tools.size());
        for (ToolSpec tool : tools) {
            Map<String, Object> function = new LinkedHashMap<>();
            function.put("name", tool.name());
            function.put("description", tool.description());
            function.put("parameters", JSON.convertValue(tool.parameters(), Object.class));
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("type", "function");
            map.put("function", function);
            list.add(map);
        }
        return list;
    }
}
