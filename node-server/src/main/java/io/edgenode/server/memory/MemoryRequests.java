package io.edgenode.server.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads the memory API's request bodies (already parsed JSON objects) into validated inputs,
 * naming the offending field in every 400. Unknown fields are refused, so a typo ({@code topk})
 * never silently falls back to a default. Stateless.
 *
 * <p>Limits: {@value #MAX_BATCH} vectors per write, ids of 1..{@value #MAX_ID_LENGTH} characters,
 * namespaces up to {@value #MAX_NAMESPACE_LENGTH}, metadata up to {@value #MAX_METADATA_BYTES}
 * bytes of JSON per vector, {@code text} up to {@value #MAX_TEXT_BYTES} bytes (UTF-8).
 */
public final class MemoryRequests {
    public static final int MAX_BATCH = 1000;
    public static final int MAX_ID_LENGTH = 256;
    public static final int MAX_NAMESPACE_LENGTH = 128;
    public static final int MAX_METADATA_BYTES = 10 * 1024;
    public static final int MAX_TEXT_BYTES = 8 * 1024;
    /** The metadata key that holds a vector's text (written for {@code text} inputs, read by retrieval). */
    public static final String TEXT_KEY = "text";

    private static final ObjectMapper JSON = new ObjectMapper();

    private MemoryRequests() {}

    /** {@code POST /v1/indexes}. */
    public record CreateIndex(String name, Integer dimensions, VectorMetric metric, String embeddingModel, int hnswM,
            int beamWidth) {}

    /**
     * One vector of a write before embedding: exactly one of {@code values} and {@code text} is
     * non-null. {@code metadataJson} already holds {@code text} under {@link #TEXT_KEY}.
     */
    public record VectorInput(String id, String namespace, float[] values, String text, String metadataJson,
            List<MetadataFields.Scalar> fields) {}

    /** {@code /query} before embedding: exactly one of {@code vector} and {@code text} is non-null. */
    public record QueryInput(float[] vector, String text, int topK, String namespace, JsonNode filter,
            boolean returnValues, boolean returnMetadata, int numCandidates) {}

    static CreateIndex create(JsonNode body) {
        allowOnly(body, null, "name", "dimensions", "metric", "embedding_model", "hnsw");
        String name = requiredString(body, "name");
        Integer dimensions = body.has("dimensions") ? integer(body.get("dimensions"), "dimensions") : null;
        VectorMetric metric = VectorMetric.COSINE;
        if (body.hasNonNull("metric")) {
            metric = VectorMetric.ofWire(string(body.get("metric"), "metric"));
            if (metric == null) {
                throw MemoryException.invalid("metric", "metric must be one of cosine, dot, euclidean; got "
                        + body.get("metric"));
            }
        }
        String model = body.hasNonNull("embedding_model") ? string(body.get("embedding_model"), "embedding_model") : null;
        int m = IndexSpec.DEFAULT_M;
        int ef = IndexSpec.DEFAULT_BEAM_WIDTH;
        JsonNode hnsw = body.get("hnsw");
        if (hnsw != null && !hnsw.isNull()) {
            if (!hnsw.isObject()) {
                throw MemoryException.invalid("hnsw", "hnsw must be an object {m, ef_construction}");
            }
            allowOnly(hnsw, "hnsw", "m", "ef_construction");
            if (hnsw.has("m")) {
                m = integer(hnsw.get("m"), "hnsw.m");
            }
            if (hnsw.has("ef_construction")) {
                ef = integer(hnsw.get("ef_construction"), "hnsw.ef_construction");
            }
        }
        if (dimensions == null && model == null) {
            throw MemoryException.invalid("dimensions", "dimensions is required unless embedding_model is given");
        }
        return new CreateIndex(name, dimensions, metric, model, m, ef);
    }

    /** {@code /upsert} and {@code /insert}: {@code {"vectors":[{id, values | text, metadata, namespace}]}}. */
    static List<VectorInput> vectors(JsonNode body, IndexSpec spec) {
        allowOnly(body, null, "vectors");
        JsonNode list = body.get("vectors");
        if (list == null || !list.isArray()) {
            throw MemoryException.invalid("vectors", "vectors must be an array of {id, values | text, metadata, namespace}");
        }
        if (list.isEmpty() || list.size() > MAX_BATCH) {
            throw MemoryException.invalid("vectors", "vectors must hold 1.." + MAX_BATCH + " vectors, got " + list.size());
        }
        List<VectorInput> out = new ArrayList<>(list.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String p = "vectors[" + i + "]";
            VectorInput v = vector(list.get(i), p, spec);
            if (!seen.add(v.id())) {
                throw MemoryException.invalid(p + ".id", "id '" + v.id() + "' appears more than once in this batch");
            }
            out.add(v);
        }
        return out;
    }

    private static VectorInput vector(JsonNode v, String p, IndexSpec spec) {
        if (!v.isObject()) {
            throw MemoryException.invalid(p, "each vector must be an object {id, values | text, metadata, namespace}");
        }
        allowOnly(v, p, "id", "values", "text", "metadata", "namespace");
        String id = requiredString(v, "id", p + ".id");
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            throw MemoryException.invalid(p + ".id", "ids must be 1.." + MAX_ID_LENGTH + " characters");
        }
        String namespace = namespace(v, p + ".namespace");
        boolean hasValues = v.hasNonNull("values");
        boolean hasText = v.hasNonNull("text");
        if (hasValues == hasText) {
            throw MemoryException.invalid(p, "give exactly one of values and text");
        }
        float[] values = hasValues ? values(v.get("values"), p + ".values", spec.dimensions()) : null;
        String text = null;
        if (hasText) {
            text = text(v.get("text"), p + ".text", spec);
        }
        ObjectNode metadata = null;
        JsonNode m = v.get("metadata");
        if (m != null && !m.isNull()) {
            if (!m.isObject()) {
                throw MemoryException.invalid(p + ".metadata", "metadata must be an object");
            }
            int bytes = json(m).getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_METADATA_BYTES) {
                throw new MemoryException(MemoryException.Kind.INVALID, p + ".metadata", "metadata_too_large",
                        "metadata is " + bytes + " bytes of JSON; the limit is " + MAX_METADATA_BYTES);
            }
            metadata = (ObjectNode) m;
        }
        if (text != null) {
            if (metadata != null && metadata.has(TEXT_KEY)) {
                throw MemoryException.invalid(p + ".metadata." + TEXT_KEY,
                        "metadata.text is where the vector's text is kept: give text or metadata.text, not both");
            }
            metadata = metadata == null ? JSON.createObjectNode() : metadata.deepCopy();
            metadata.put(TEXT_KEY, text);
        }
        List<MetadataFields.Scalar> fields = metadata == null ? List.of()
                : MetadataFields.flatten(metadata, p + ".metadata");
        return new VectorInput(id, namespace, values, text, metadata == null ? null : json(metadata), fields);
    }

    static QueryInput query(JsonNode body, IndexSpec spec) {
        allowOnly(body, null, "vector", "text", "top_k", "namespace", "filter", "return_values", "return_metadata",
                "num_candidates");
        boolean hasVector = body.hasNonNull("vector");
        boolean hasText = body.hasNonNull("text");
        if (hasVector == hasText) {
            throw MemoryException.invalid("vector", "give exactly one of vector and text");
        }
        float[] vector = hasVector ? values(body.get("vector"), "vector", spec.dimensions()) : null;
        String text = hasText ? text(body.get("text"), "text", spec) : null;
        int topK = body.has("top_k") ? integer(body.get("top_k"), "top_k") : 10;
        if (topK < 1 || topK > VectorQuery.MAX_TOP_K) {
            throw MemoryException.invalid("top_k", "top_k must be an integer in 1.." + VectorQuery.MAX_TOP_K
                    + ", got " + topK);
        }
        int candidates = body.has("num_candidates") ? integer(body.get("num_candidates"), "num_candidates")
                : Math.max(topK, VectorQuery.DEFAULT_NUM_CANDIDATES);
        JsonNode filter = body.get("filter");
        MetadataFilter.toQuery(filter); // every 400 now, before any embedding or search
        return new QueryInput(vector, text, topK, namespace(body, "namespace"), filter,
                bool(body, "return_values", false), returnMetadata(body), candidates);
    }

    /** {@code /get_by_ids} and {@code /delete_by_ids}: {@code {"ids":[...]}}. */
    static List<String> ids(JsonNode body) {
        allowOnly(body, null, "ids");
        JsonNode ids = body.get("ids");
        if (ids == null || !ids.isArray() || ids.isEmpty() || ids.size() > MAX_BATCH) {
            throw MemoryException.invalid("ids", "ids must be an array of 1.." + MAX_BATCH + " strings");
        }
        List<String> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            out.add(string(ids.get(i), "ids[" + i + "]"));
        }
        return out;
    }

    private static boolean returnMetadata(JsonNode body) {
        JsonNode v = body.get("return_metadata");
        if (v == null || v.isNull()) {
            return false;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isTextual() && (v.textValue().equals("all") || v.textValue().equals("none"))) {
            return v.textValue().equals("all"); // Vectorize's spelling
        }
        throw MemoryException.invalid("return_metadata", "return_metadata must be a boolean (or \"all\" / \"none\")");
    }

    static float[] values(JsonNode v, String param, int dimensions) {
        if (!v.isArray()) {
            throw MemoryException.invalid(param, "expected an array of " + dimensions + " numbers");
        }
        if (v.size() != dimensions) {
            throw new MemoryException(MemoryException.Kind.INVALID, param, "wrong_dimensions",
                    "expected " + dimensions + " dimensions, got " + v.size());
        }
        float[] out = new float[dimensions];
        for (int i = 0; i < dimensions; i++) {
            JsonNode x = v.get(i);
            if (!x.isNumber()) {
                throw MemoryException.invalid(param + "[" + i + "]", "expected a number, got " + x.getNodeType());
            }
            float f = (float) x.doubleValue();
            if (!Float.isFinite(f)) { // 1e39 is finite JSON but infinite as a float
                throw new MemoryException(MemoryException.Kind.INVALID, param + "[" + i + "]", "non_finite_value",
                        "vector values must be finite 32-bit floats, got " + x.asText());
            }
            out[i] = f;
        }
        return out;
    }

    private static String text(JsonNode v, String param, IndexSpec spec) {
        String text = string(v, param);
        if (spec.embeddingModel() == null) {
            throw MemoryException.invalid(param, "index `" + spec.name()
                    + "` has no embedding_model: give values, or create the index with an embedding_model");
        }
        if (text.isBlank()) {
            throw MemoryException.invalid(param, "text must not be empty");
        }
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_TEXT_BYTES) {
            throw MemoryException.invalid(param, "text is limited to " + MAX_TEXT_BYTES + " bytes of UTF-8");
        }
        return text;
    }

    private static String namespace(JsonNode o, String param) {
        JsonNode v = o.get("namespace");
        if (v == null || v.isNull()) {
            return "";
        }
        String ns = string(v, param);
        if (ns.length() > MAX_NAMESPACE_LENGTH) {
            throw MemoryException.invalid(param, "namespaces are at most " + MAX_NAMESPACE_LENGTH + " characters");
        }
        return ns;
    }

    private static void allowOnly(JsonNode o, String prefix, String... names) {
        Set<String> allowed = Set.of(names);
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                String p = prefix == null ? f : prefix + "." + f;
                throw new MemoryException(MemoryException.Kind.INVALID, p, "unknown_parameter",
                        "Unrecognized request argument supplied: " + p);
            }
        }
    }

    private static String requiredString(JsonNode o, String field) {
        return requiredString(o, field, field);
    }

    private static String requiredString(JsonNode o, String field, String param) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            throw MemoryException.invalid(param, "missing required parameter: " + param);
        }
        return string(v, param);
    }

    private static String string(JsonNode v, String param) {
        if (!v.isTextual()) {
            throw MemoryException.invalid(param, "expected a string, got " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return v.textValue();
    }

    private static int integer(JsonNode v, String param) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw MemoryException.invalid(param, "expected an integer, got " + v);
        }
        return v.intValue();
    }

    private static boolean bool(JsonNode o, String field, boolean otherwise) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return otherwise;
        }
        if (!v.isBoolean()) {
            throw MemoryException.invalid(field, "expected a boolean");
        }
        return v.booleanValue();
    }

    private static String json(JsonNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree we parsed always writes
        }
    }
}
