package io.edgenode.core.chat;

import java.util.Objects;

/**
 * One function call an assistant message makes, as OpenAI's {@code tool_calls[i]}: the call's id
 * (what the {@code tool} message answering it names in {@code tool_call_id}), the function's name
 * and its arguments as JSON text (OpenAI keeps them a string; templates that want an object get
 * them parsed at render time).
 */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }
}
