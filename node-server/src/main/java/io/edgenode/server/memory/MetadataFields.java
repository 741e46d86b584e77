package io.edgenode.server.memory;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;

/**
 * Which parts of a vector's metadata are filterable, and the Lucene fields that make them so.
 * Stateless.
 *
 * <p>Strings, numbers and booleans are indexed, at any depth of nested objects under their dotted
 * path ({@code {"a":{"b":1}}} is filterable as {@code a.b}). Arrays and nulls are stored with the
 * metadata but not indexed. Each type lives in its own Lucene field, so a key that is a string in
 * one vector and a number in another is filterable as either: a filter's value picks the type.
 * Numbers are doubles ({@code DoublePoint}); strings are exact terms, compared as UTF-8 bytes for
 * ranges (the same order as code points).
 */
public final class MetadataFields {
    /** Flattened keys per vector: each is a Lucene field name, which an index keeps forever. */
    static final int MAX_KEYS = 64;
    static final int MAX_KEY_LENGTH = 256;

    /** One filterable value: a {@code String}, {@code Double} or {@code Boolean} under a dotted key. */
    public record Scalar(String key, Object value) {}

    private MetadataFields() {}

    /** The filterable scalars of {@code metadata} (an object), or a 400 naming {@code param}. */
    static List<Scalar> flatten(JsonNode metadata, String param) {
        List<Scalar> out = new ArrayList<>();
        flatten(metadata, "", out, param);
        return out;
    }

    private static void flatten(JsonNode node, String prefix, List<Scalar> out, String param) {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String key = prefix + e.getKey();
            JsonNode v = e.getValue();
            if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
                throw MemoryException.invalid(param, "metadata keys must be 1-" + MAX_KEY_LENGTH
                        + " characters (dotted path included)");
            }
            Object scalar = null;
            if (v.isObject()) {
                flatten(v, key + ".", out, param);
            } else if (v.isTextual()) {
                scalar = v.textValue();
            } else if (v.isBoolean()) {
                scalar = v.booleanValue();
            } else if (v.isNumber()) {
                double d = v.doubleValue();
                if (!Double.isFinite(d)) {
                    throw MemoryException.invalid(param + "." + key, "metadata numbers must be finite");
                }
                scalar = d;
            }
            if (scalar != null) {
                if (out.size() == MAX_KEYS) {
                    throw MemoryException.invalid(param, "at most " + MAX_KEYS + " filterable metadata values per vector");
                }
                out.add(new Scalar(key, scalar));
            }
        }
    }

    static String stringField(String key) {
        return "s:" + key;
    }

    static String numberField(String key) {
        return "n:" + key;
    }

    static String boolField(String key) {
        return "b:" + key;
    }

    static void addTo(Document doc, List<Scalar> fields) {
        for (Scalar s : fields) {
            switch (s.value()) {
                case String str -> doc.add(new StringField(stringField(s.key()), str, Field.Store.NO));
                case Double d -> doc.add(new DoublePoint(numberField(s.key()), d));
                case Boolean b -> doc.add(new StringField(boolField(s.key()), b.toString(), Field.Store.NO));
                default -> throw new IllegalStateException("not a scalar: " + s.value().getClass());
            }
        }
    }
}
