package io.edgenode.server.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Objects;

/**
 * JSON Merge Patch (RFC 7386): a patch is a document shaped like the target; its members replace the target's,
 * objects merge recursively, and a {@code null} member deletes the key. Stateless and pure: neither argument is
 * changed, and the result shares no node with them.
 *
 * <p>Our own because Jackson has none: it offers {@code ObjectReader.readerForUpdating} (which merges a patch's
 * members into a bean or tree but keeps {@code null}s as values instead of deleting keys) and no RFC 7386 or
 * RFC 6902 support; the RFC's algorithm is ten lines.
 */
public final class JsonMergePatch {
    private JsonMergePatch() {}

    /**
     * The RFC's {@code MergePatch(Target, Patch)}. A patch that is not an object replaces the target (a copy of it
     * is returned); an object patch applied to a non-object target (or to null, meaning no target) starts from
     * {@code {}}.
     */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        Objects.requireNonNull(patch, "patch");
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject()
                ? ((ObjectNode) target).deepCopy()
                : JsonNodeFactory.instance.objectNode();
        mergeInto(result, (ObjectNode) patch);
        return result;
    }

    /**
     * Applies {@code patch} to {@code target} in place; {@code target} is the caller's own copy. Recursion follows
     * the patch's nesting, which the parser's depth limit bounds for patches read from requests.
     */
    private static void mergeInto(ObjectNode target, ObjectNode patch) {
        for (Map.Entry<String, JsonNode> member : patch.properties()) {
            String name = member.getKey();
            JsonNode value = member.getValue();
            if (value.isNull()) {
                target.remove(name);
            } else if (value.isObject()) {
                JsonNode current = target.get(name);
                ObjectNode child = current != null && current.isObject() ? (ObjectNode) current : target.putObject(name);
                mergeInto(child, (ObjectNode) value);
            } else {
                target.set(name, value.deepCopy());
            }
        }
    }
}
