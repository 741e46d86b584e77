package io.edgenode.server.session;

import java.util.List;
import java.util.Objects;

/**
 * One completed turn: the new input messages of that turn, the assistant's reply, its token counts and finish
 * reason. Immutable.
 *
 * @param index        position in the session, from 0, without gaps
 * @param finishReason as the API reported it (stop, length, ...); null when unknown
 */
public record Turn(int index, List<SessionMessage> input, String reply, int promptTokens, int completionTokens,
        int cachedTokens, String finishReason, long createdAtMillis) {
    public Turn {
        input = List.copyOf(input);
        Objects.requireNonNull(reply, "reply");
    }
}
