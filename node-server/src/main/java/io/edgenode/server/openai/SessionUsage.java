package io.edgenode.server.openai;

import java.util.Objects;

/**
 * Our extension of {@code usage} for a session turn:
 * {@code "session":{"id":...,"turn":...,"dropped_turns":...}}. {@code turn} is this turn's index
 * (from 0); {@code dropped_turns} counts the oldest turns left out of the prompt to fit the
 * context (they stay in the store).
 */
public record SessionUsage(String id, int turn, int droppedTurns) {
    public SessionUsage {
        Objects.requireNonNull(id, "id");
    }
}
