package io.edgenode.server.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.server.openai.OpenAiJson;
import java.io.UncheckedIOException;

/**
 * Reads the JSON this package stored itself (definitions, params, results), with the API's read limits. Stateless;
 * the mapper is never handed out.
 */
final class WorkflowJson {
    private static final ObjectMapper MAPPER = OpenAiJson.mapper();

    private WorkflowJson() {}

    /** Parses stored JSON; null for null. */
    static JsonNode read(String json) {
        if (json == null) {
            return null;
        }
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("stored JSON is unreadable: " + e.getOriginalMessage(), e);
        }
    }

    /** Compact JSON; null for null or a JSON null. */
    static String write(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : node.toString();
    }

    /** UTF-8 JSON bytes of a tree this package built. */
    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // an in-memory tree; cannot happen
        }
    }
}
