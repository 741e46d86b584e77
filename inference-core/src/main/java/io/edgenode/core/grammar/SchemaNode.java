package io.edgenode.core.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A JSON schema read into the few shapes the GBNF converter knows (llama.cpp's
 * {@code common_chat_schema} kinds). Built by {@link SchemaReader}; immutable once built, except
 * that a {@link Ref} finds its target through the document's map, filled after all nodes exist
 * (a recursive schema needs its own ref before it is done).
 */
sealed interface SchemaNode {

    /** Any JSON value: {@code {}}, {@code true}, or a schema whose keywords constrain nothing we read. */
    record Any() implements SchemaNode {
    }

    /** {@code $ref} into the same document; {@code targets} is keyed by the ref text. */
    record Ref(String ref, Map<String, SchemaNode> targets) implements SchemaNode {
        SchemaNode target() {
            return targets.get(ref);
        }

        // by ref text only: the targets map reaches back to this node in a recursive schema
        @Override
        public boolean equals(Object o) {
            return o instanceof Ref other && other.ref.equals(ref) && other.targets == targets;
        }

        @Override
        public int hashCode() {
            return ref.hashCode();
        }

        @Override
        public String toString() {
            return "Ref[" + ref + "]";
        }
    }

    /** {@code anyOf}, {@code oneOf} (treated as anyOf), or a {@code type} array. */
    record AnyOf(List<SchemaNode> children) implements SchemaNode {
    }

    /** {@code allOf}: object properties merged, enum values intersected; other parts ignored. */
    record AllOf(List<SchemaNode> children) implements SchemaNode {
    }

    record Const(JsonNode value) implements SchemaNode {
    }

    record Enum(List<JsonNode> values) implements SchemaNode {
    }

    record Null() implements SchemaNode {
    }

    record BooleanType() implements SchemaNode {
    }

    record NumberType() implements SchemaNode {
    }

    /** Inclusive bounds; {@link Long#MIN_VALUE} / {@link Long#MAX_VALUE} mean no bound. */
    record IntegerType(long minimum, long maximum) implements SchemaNode {
        boolean unbounded() {
            return minimum == Long.MIN_VALUE && maximum == Long.MAX_VALUE;
        }
    }

    enum StringFormat { NONE, DATE, TIME, DATE_TIME, UUID }

    /** {@code pattern} is null when absent; {@code maxLength} is -1 when absent. */
    record StringType(String pattern, String pointer, StringFormat format, int minLength, int maxLength)
            implements SchemaNode {
    }

    /** {@code maxItems} is -1 when absent. */
    record ArrayType(SchemaNode items, int minItems, int maxItems) implements SchemaNode {
    }

    /** {@code items} (or {@code prefixItems}) given as an array: exactly those items, in order. */
    record Tuple(List<SchemaNode> items) implements SchemaNode {
    }

    record Property(String name, SchemaNode schema, boolean required) {
    }

    /** Properties in document order; {@code additional} is null when additional properties are refused. */
    record ObjectType(List<Property> properties, SchemaNode additional) implements SchemaNode {
    }
}
