package io.edgenode.server.session;

import java.util.Map;
import java.util.Objects;

/**
 * A session's header: what it was created with and running totals over its turns. Immutable.
 *
 * @param systemPrompt     null when none was given
 * @param metadata         string to string, as given at creation, in the client's order; unmodifiable
 * @param expiresAtMillis  epoch millis after which the session is gone; 0 = never. Slides forward on every turn.
 * @param promptTokens     sum of the turns' prompt tokens
 * @param completionTokens sum of the turns' completion tokens
 */
public record Session(String id, String model, String systemPrompt, Map<String, String> metadata,
        long createdAtMillis, long updatedAtMillis, long expiresAtMillis, int turnCount, long promptTokens,
        long completionTokens) {
    public Session {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(model, "model");
        metadata = SessionRules.copyMetadata(metadata);
    }
}
