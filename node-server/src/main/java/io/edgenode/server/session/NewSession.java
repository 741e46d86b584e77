package io.edgenode.server.session;

import java.util.Map;

/**
 * What a client sends to create a session. {@link SessionStore#create} validates it
 * ({@link SessionRules}); this record only normalises a null metadata map to an empty one.
 *
 * @param id           the client's id (1..128 chars of {@code [A-Za-z0-9._:-]}), or null to let the store generate
 *                     one ("sess_" + 24 random alphanumerics)
 * @param model        the model id the session talks to
 * @param systemPrompt nullable
 * @param metadata     at most 16 keys, keys up to 64 chars, values up to 512 chars; null = none
 * @param ttlMillis    how long the session lives after its last turn; 0 = no expiry
 */
public record NewSession(String id, String model, String systemPrompt, Map<String, String> metadata, long ttlMillis) {
    public NewSession {
        metadata = metadata == null ? Map.of() : SessionRules.copyMetadata(metadata);
    }
}
