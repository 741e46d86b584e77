package io.edgenode.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A validated {@code POST /v1/sessions} body (our extension):
 * {@code {"id"?, "model"?, "system_prompt"?, "metadata"?: {string: string}, "ttl_seconds"?}}.
 * Immutable. Limits on ids and metadata are the store's (it refuses with a clear message).
 *
 * @param id the client's id for the session, or null to have one generated
 * @param model the model name (id or alias), or null for the node's default model
 * @param ttlSeconds idle time after which the session is deleted; null for the node's default, 0
 *     to keep it until deleted
 */
public record CreateSessionRequest(String id, String model, String systemPrompt, Map<String, String> metadata,
        Long ttlSeconds) {
    /** Ten years: far beyond any sensible TTL, and far from overflowing milliseconds. */
    static final long MAX_TTL_SECONDS = 10L * 365 * 24 * 3600;

    public CreateSessionRequest {
        metadata = Map.copyOf(Objects.requireNonNull(metadata, "metadata"));
    }

    public static CreateSessionRequest parse(byte[] body) {
        ParamReader r = ParamReader.root(OpenAiJson.readObject(body));
        String id = r.string("id");
        String model = r.string("model");
        String systemPrompt = r.string("system_prompt");
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode m = r.get("metadata");
        if (m != null) {
            ParamReader meta = ParamReader.object(m, "metadata");
            for (var it = m.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                metadata.put(key, meta.string(key) == null ? "" : meta.string(key));
            }
        }
        Long ttl = r.get("ttl_seconds") == null ? null : r.integer("ttl_seconds", 0, 0, MAX_TTL_SECONDS);
        return new CreateSessionRequest(id, model, systemPrompt, metadata, ttl);
    }
}
