package io.edgenode.core.chat;

import java.util.Objects;

/** One message of a conversation: {@code system}, {@code user}, {@code assistant} (or {@code tool}). */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
