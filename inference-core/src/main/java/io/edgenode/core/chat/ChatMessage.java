package io.edgenode.core.chat;

import java.util.List;
import java.util.Objects;

/**
 * One message of a conversation: {@code system}, {@code user}, {@code assistant} or {@code tool}.
 *
 * @param content    the text; null only on an assistant message that carries {@code toolCalls}
 * @param toolCalls  the calls an assistant message makes (empty otherwise)
 * @param toolCallId on a {@code tool} message, the id of the call it answers (null otherwise)
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        if (content == null && toolCalls.isEmpty()) {
            throw new NullPointerException("content (null only on a message with tool calls)");
        }
    }

    /** A plain text message. */
    public ChatMessage(String role, String content) {
        this(role, Objects.requireNonNull(content, "content"), List.of(), null);
    }

    /** An assistant message that calls tools ({@code content} may be null). */
    public static ChatMessage assistantCalls(String content, List<ToolCall> calls) {
        return new ChatMessage("assistant", content, calls, null);
    }

    /** A {@code tool} message: the result of call {@code toolCallId}. */
    public static ChatMessage toolResult(String toolCallId, String content) {
        return new ChatMessage("tool", Objects.requireNonNull(content, "content"), List.of(),
                Objects.requireNonNull(toolCallId, "toolCallId"));
    }

    /** The content, or "" when the message has none (a tool-calling assistant message). */
    public String text() {
        return content == null ? "" : content;
    }
}
