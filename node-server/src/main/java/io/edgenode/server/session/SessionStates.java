package io.edgenode.server.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.server.openai.OpenAiJson;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Sessions' state documents, for every writer: the HTTP API ({@code /v1/sessions/{id}/state}) and live (WebSocket)
 * clients call these same operations. Thread-safe (the mapper is configured once and only read); every method
 * blocks on the store, so call it from a virtual thread.
 *
 * <p>Documents are JSON objects of at most {@link SessionState#MAX_JSON_BYTES} bytes, nested no deeper than the
 * API's read limits ({@link OpenAiJson}): whatever is stored can always be read back by the same parser, by the
 * next PATCH and by every turn that renders it into a prompt.
 *
 * <p>This class does not broadcast: a caller that writes tells its listeners after the call returns (the write is
 * committed then).
 */
public final class SessionStates {
    private final SessionErrors.StoreCall<SessionStore> store;
    private final ObjectMapper mapper = OpenAiJson.mapper();

    /** {@code store}: the store to use for each call ({@code SessionService::store}: UNAVAILABLE while it is down). */
    public SessionStates(SessionErrors.StoreCall<SessionStore> store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * The session's state; version 0 and {@code {}} when never written.
     *
     * @throws SessionStoreException NOT_FOUND for an unknown or expired session; UNAVAILABLE
     */
    public SessionState get(String sessionId) throws SessionStoreException {
        Objects.requireNonNull(sessionId, "sessionId");
        return store.run().state(sessionId);
    }

    /**
     * Replaces the whole document.
     *
     * @param expectedVersion the version the caller read; negative: unconditional
     * @throws IllegalArgumentException {@code document} is not an object, nests too deep, or is too large
     *                                  ({@link StateTooLargeException})
     * @throws SessionStoreException    NOT_FOUND; STALE_VERSION (nothing written); UNAVAILABLE
     */
    public SessionState put(String sessionId, JsonNode document, long expectedVersion) throws SessionStoreException {
        Objects.requireNonNull(sessionId, "sessionId");
        String json = encode(document); // outside the store's lock: the change below only hands it over
        return store.run().updateState(sessionId, expectedVersion, current -> json);
    }

    /**
     * Applies a JSON merge patch (RFC 7386) to the current document: its members replace the document's, objects
     * merge, {@code null} members delete keys.
     *
     * @param expectedVersion the version the caller read; negative: apply to whatever is current
     * @throws IllegalArgumentException {@code patch} is not an object, or the result nests too deep or is too large
     * @throws SessionStoreException    NOT_FOUND; STALE_VERSION (nothing written); UNAVAILABLE
     */
    public SessionState patch(String sessionId, JsonNode patch, long expectedVersion) throws SessionStoreException {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(patch, "patch");
        if (!patch.isObject()) {
            throw new IllegalArgumentException("a state patch must be a JSON object (RFC 7386 merge patch), got "
                    + patch.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        // The merge runs inside the store's transaction: it must see the version it is applied to.
        return store.run().updateState(sessionId, expectedVersion,
                current -> encode(JsonMergePatch.apply(document(current), patch)));
    }

    /** The document of {@code state} as a tree. */
    public JsonNode document(SessionState state) {
        return document(state.json());
    }

    private JsonNode document(String json) {
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            // Only documents this class wrote are stored; one that fails to parse is a bug or a hand-edited file.
            throw new IllegalStateException("a stored session state is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The compact text of a valid document. */
    private String encode(JsonNode document) {
        Objects.requireNonNull(document, "document");
        if (!document.isObject()) {
            throw new IllegalArgumentException("a session's state must be a JSON object, got "
                    + document.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        String json;
        try {
            json = mapper.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the state document cannot be written as JSON: "
                    + e.getOriginalMessage(), e);
        }
        int bytes = json.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > SessionState.MAX_JSON_BYTES) {
            throw new StateTooLargeException(bytes);
        }
        // A tree built in code (a WebSocket message, a merge) is not bounded by the parser's limits: read it back
        // with them now, rather than store a document no later request could parse.
        try {
            mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the state document exceeds the JSON limits (nesting depth, number"
                    + " or string length): " + e.getOriginalMessage(), e);
        }
        return json;
    }
}
