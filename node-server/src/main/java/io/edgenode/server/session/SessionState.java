package io.edgenode.server.session;

import java.util.Objects;

/**
 * A session's state document as stored: a JSON object, versioned. Immutable; crosses from the store's caller to
 * HTTP and WebSocket writers.
 *
 * <p>A session that never had state is at version 0 with {@code {}}; every successful write adds one, so a client
 * can make its write conditional on the version it read ({@code If-Match}) and never overwrite a change it has not
 * seen.
 *
 * @param json            the document's compact JSON text; always an object
 * @param updatedAtMillis when the version was written (epoch millis); 0 at version 0
 */
public record SessionState(String sessionId, long version, String json, long updatedAtMillis) {
    /** The document of a session that never had state. */
    public static final String EMPTY_DOCUMENT = "{}";
    /**
     * The largest document, in bytes of UTF-8 JSON. It is rendered into prompts and sent to every live client on each
     * change, so it is meant for small structured facts (a user's name, a game's score), not for documents.
     */
    public static final int MAX_JSON_BYTES = 64 * 1024;

    public SessionState {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(json, "json");
        if (version < 0) {
            throw new IllegalArgumentException("state version must not be negative, got " + version);
        }
        // A cheap guard against storing something that is not an object; callers build the text with Jackson.
        if (!json.startsWith("{") || !json.endsWith("}")) {
            throw new IllegalArgumentException("a session's state must be a JSON object");
        }
    }

    /** The state of a session that was never written: version 0, {@code {}}. */
    public static SessionState initial(String sessionId) {
        return new SessionState(sessionId, 0, EMPTY_DOCUMENT, 0);
    }
}
