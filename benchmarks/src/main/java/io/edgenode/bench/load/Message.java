package io.edgenode.bench.load;

import java.util.Objects;

/** One chat message as sent ({@code role}: system, user or assistant). Immutable. */
public record Message(String role, String content) {
    public Message {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
