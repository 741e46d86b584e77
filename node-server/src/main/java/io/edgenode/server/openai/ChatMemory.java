package io.edgenode.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * Our extension {@code "memory": {"index", "namespace"?, "top_k"?, "filter"?}} on a chat request:
 * retrieve passages from a vector index by the last user message and put them in the prompt.
 * Immutable by convention ({@code filter} is read only; the memory service validates it).
 *
 * @param namespace the namespace searched ({@code ""} when absent)
 * @param filter    a metadata filter as the index API takes it, or null
 */
public record ChatMemory(String index, String namespace, int topK, JsonNode filter) {
    public static final int DEFAULT_TOP_K = 4;
    public static final int MAX_TOP_K = 20;

    public ChatMemory {
        Objects.requireNonNull(index, "index");
        Objects.requireNonNull(namespace, "namespace");
    }

    /** {@code memory} of {@code r}, or null when absent. */
    static ChatMemory parse(ParamReader r) {
        JsonNode n = r.get("memory");
        if (n == null) {
            return null;
        }
        ParamReader m = ParamReader.object(n, "memory");
        String index = m.requiredString("index");
        String namespace = m.string("namespace");
        int topK = (int) m.integer("top_k", DEFAULT_TOP_K, 1, MAX_TOP_K);
        JsonNode filter = m.get("filter");
        if (filter != null && !filter.isObject()) {
            throw ParamReader.invalidType("memory.filter", "an object", filter);
        }
        return new ChatMemory(index, namespace == null ? "" : namespace, topK, filter);
    }
}
