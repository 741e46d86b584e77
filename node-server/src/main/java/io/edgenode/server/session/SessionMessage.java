package io.edgenode.server.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.edgenode.core.chat.ChatMessage;
import io.edgenode.core.chat.ToolCall;
import java.util.List;
import java.util.Objects;

/**
 * One message of a turn as the client sent it, stored as JSON in the turn's input (rows written
 * before tool calling have only role and content; the other fields then read as empty).
 *
 * @param role       system, user, assistant or tool (the HTTP layer validates the value; the store keeps what
 *                   it is given)
 * @param content    the message text; null when the message carried none
 * @param toolCalls  the calls an assistant message made (empty otherwise)
 * @param toolCallId on a tool message, the call it answers (null otherwise)
 */
public record SessionMessage(String role, String content,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ToolCall> toolCalls,
        @JsonInclude(JsonInclude.Include.NON_NULL) String toolCallId) {
    public SessionMessage {
        Objects.requireNonNull(role, "role");
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** A plain message. */
    public SessionMessage(String role, String content) {
        this(role, content, List.of(), null);
    }

    /** The message as the client sent it. */
    static SessionMessage of(ChatMessage m) {
        return new SessionMessage(m.role(), m.content(), m.toolCalls(), m.toolCallId());
    }

    /** The message for the chat template; a message stored without content reads as empty text. */
    ChatMessage toChat() {
        if (content == null && !toolCalls.isEmpty()) {
            return ChatMessage.assistantCalls(null, toolCalls);
        }
        return new ChatMessage(role, content == null ? "" : content, toolCalls, toolCallId);
    }
}
