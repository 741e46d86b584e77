package io.edgenode.server.session;

import java.util.Objects;

/**
 * One message of a turn as the client sent it.
 *
 * @param role    system, user or assistant (the HTTP layer validates the value; the store keeps what it is given)
 * @param content the message text; null when the message carried none
 */
public record SessionMessage(String role, String content) {
    public SessionMessage {
        Objects.requireNonNull(role, "role");
    }
}
