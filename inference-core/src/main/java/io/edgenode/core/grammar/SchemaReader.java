package io.edgenode.core.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one JSON schema document into {@link SchemaNode}s, deciding each node's kind in the same
 * order as llama.cpp's {@code common_chat_schema_from_json} ({@code common/json-schema.cpp}), so
 * that we accept and refuse the same schemas. One instance per document; confined to the caller.
 *
 * <p>Only what is reachable from the root is read: a broken {@code $defs} entry nobody references
 * is not an error, as in llama.cpp. Where we differ on purpose: the ref {@code "#"} (the root) is
 * resolved, a boolean schema {@code true} is any value, JSON-pointer escapes ({@code ~0 ~1}) are
 * decoded, and counts above {@link JsonSchemaConverter#MAX_REPETITIONS} are refused.
 */
final class SchemaReader {
    private final JsonNode root;
    private final Map<String, SchemaNode> targets = new HashMap<>();

    SchemaReader(JsonNode root) {
        this.root = root;
    }

    SchemaNode read() {
        return node(root, "#");
    }

    /** Reads {@code schema}, a part of this reader's document (refs resolve against the document). */
    SchemaNode read(JsonNode schema) {
        return node(schema, "#");
    }

    private static SchemaConversionException fail(String pointer, String message) {
        return new SchemaConversionException(message, pointer);
    }

    private SchemaNode node(JsonNode schema, String path) {
        if (schema.isBoolean() && schema.booleanValue()) {
            return new SchemaNode.Any();
        }
        if (!schema.isObject()) {
            throw fail(path, "schema must be an object");
        }
        if (schema.has("$ref")) {
            return ref(schema.get("$ref"), path);
        }
        if (schema.has("oneOf") || schema.has("anyOf")) {
            String key = schema.has("oneOf") ? "oneOf" : "anyOf";
            return new SchemaNode.AnyOf(alternatives(schema.get(key), path + "/" + key));
        }
        JsonNode type = schema.get("type");
        if (type != null && type.isArray()) {
            // {"type": [a, b], ...} is {"anyOf": [{"type": a, ...}, {"type": b, ...}]}
            if (type.isEmpty()) {
                throw fail(path, "type must not be empty");
            }
            List<SchemaNode> children = new ArrayList<>();
            for (int i = 0; i < type.size(); i++) {
                ObjectNode alt = ((ObjectNode) schema).deepCopy();
                alt.set("type", type.get(i));
                children.add(node(alt, path)); // the keywords are this schema's: so is the pointer
            }
            return new SchemaNode.AnyOf(children);
        }
        if (schema.has("const")) {
            return new SchemaNode.Const(schema.get("const"));
        }
        if (schema.has("enum")) {
            JsonNode values = schema.get("enum");
            if (!values.isArray() || values.isEmpty()) {
                throw fail(path, "enum must be a non-empty array");
            }
            List<JsonNode> list = new ArrayList<>();
            values.forEach(list::add);
            return new SchemaNode.Enum(list);
        }
        if (type != null && !type.isNull() && !type.isTextual()) {
            throw fail(path, "type must be a string or an array of strings");
        }
        String typeName = type != null && type.isTextual() ? type.textValue() : "";
        JsonNode additional = schema.get("additionalProperties");
        boolean hasProperties = schema.has("properties")
                || (additional != null && !(additional.isBoolean() && additional.booleanValue()));
        switch (typeName) {
            case "" -> {
                // without a type the structural keywords decide, in llama.cpp's order
                if (hasProperties) {
                    return object(schema, path);
                }
                if (schema.has("allOf")) {
                    return new SchemaNode.AllOf(alternatives(schema.get("allOf"), path + "/allOf"));
                }
                if (schema.has("items") || schema.has("prefixItems")) {
                    return array(schema, path);
                }
                if (schema.has("pattern") || schema.has("minLength") || schema.has("maxLength")
                        || format(schema, path) != SchemaNode.StringFormat.NONE) {
                    return string(schema, path);
                }
                return new SchemaNode.Any();
            }
            case "object" -> {
                if (!hasProperties && schema.has("allOf")) {
                    return new SchemaNode.AllOf(alternatives(schema.get("allOf"), path + "/allOf"));
                }
                return object(schema, path);
            }
            case "string" -> {
                if (schema.has("allOf")) {
                    return new SchemaNode.AllOf(alternatives(schema.get("allOf"), path + "/allOf"));
                }
                return string(schema, path);
            }
            case "array" -> {
                return array(schema, path);
            }
            case "integer" -> {
                return integer(schema, path);
            }
            case "number" -> {
                return new SchemaNode.NumberType();
            }
            case "boolean" -> {
                return new SchemaNode.BooleanType();
            }
            case "null" -> {
                return new SchemaNode.Null();
            }
            default -> throw fail(path, "unrecognized type " + typeName);
        }
    }

    private SchemaNode ref(JsonNode value, String path) {
        if (!value.isTextual()) {
            throw fail(path, "$ref must be a string");
        }
        String ref = value.textValue();
        if (!ref.equals("#") && !ref.startsWith("#/")) {
            // http(s) and other documents: we never fetch
            throw fail(path, "unsupported $ref " + ref + ", only references into the same document are supported");
        }
        if (!targets.containsKey(ref)) {
            targets.put(ref, null); // reserved first, so that a cycle back to this ref stops here
            targets.put(ref, node(resolve(ref, path), ref));
        }
        return new SchemaNode.Ref(ref, targets);
    }

    private JsonNode resolve(String ref, String path) {
        JsonNode target = root;
        if (ref.length() <= 2) {
            return target; // "#" or "#/"
        }
        for (String raw : ref.substring(2).split("/", -1)) {
            String token = raw.replace("~1", "/").replace("~0", "~");
            if (target.isObject() && target.has(token)) {
                target = target.get(token);
            } else if (target.isArray()) {
                int index;
                try {
                    index = Integer.parseInt(token);
                } catch (NumberFormatException e) {
                    index = -1;
                }
                if (index < 0 || index >= target.size()) {
                    throw fail(path, "cannot resolve $ref " + ref + ", " + token + " is out of range");
                }
                target = target.get(index);
            } else {
                throw fail(path, "cannot resolve $ref " + ref + ", " + token + " not found");
            }
        }
        return target;
    }

    private List<SchemaNode> alternatives(JsonNode alts, String path) {
        if (!alts.isArray()) {
            throw fail(path, "must be an array of schemas");
        }
        if (alts.isEmpty()) {
            throw fail(path, "must not be empty");
        }
        List<SchemaNode> children = new ArrayList<>();
        for (int i = 0; i < alts.size(); i++) {
            children.add(node(alts.get(i), path + "/" + i));
        }
        return children;
    }

    private SchemaNode object(JsonNode schema, String path) {
        Set<String> required = new HashSet<>();
        JsonNode requiredNode = schema.get("required");
        if (requiredNode != null && requiredNode.isArray()) {
            for (JsonNode name : requiredNode) {
                if (name.isTextual()) {
                    required.add(name.textValue());
                }
            }
        }
        List<SchemaNode.Property> properties = new ArrayList<>();
        JsonNode propertiesNode = schema.get("properties");
        if (propertiesNode != null) {
            if (!propertiesNode.isObject()) {
                throw fail(path, "properties must be an object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = propertiesNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                SchemaNode prop = node(e.getValue(), path + "/properties/" + e.getKey());
                properties.add(new SchemaNode.Property(e.getKey(), prop, required.contains(e.getKey())));
            }
        }
        SchemaNode additional = null;
        JsonNode additionalNode = schema.get("additionalProperties");
        if (additionalNode != null) {
            if (additionalNode.isBoolean()) {
                additional = additionalNode.booleanValue() ? new SchemaNode.Any() : null;
            } else if (additionalNode.isObject()) {
                additional = node(additionalNode, path + "/additionalProperties");
            } else {
                throw fail(path, "additionalProperties must be a boolean or a schema");
            }
        } else if (propertiesNode == null) {
            additional = new SchemaNode.Any(); // {"type": "object"} on its own accepts any object
        }
        return new SchemaNode.ObjectType(List.copyOf(properties), additional);
    }

    private SchemaNode array(JsonNode schema, String path) {
        SchemaNode items;
        if (schema.has("items") || schema.has("prefixItems")) {
            // "items" wins when both are present; an array is a tuple, a schema the item schema
            String key = schema.has("items") ? "items" : "prefixItems";
            JsonNode itemsNode = schema.get(key);
            if (itemsNode.isArray()) {
                List<SchemaNode> tuple = new ArrayList<>();
                for (int i = 0; i < itemsNode.size(); i++) {
                    tuple.add(node(itemsNode.get(i), path + "/" + key + "/" + i));
                }
                return new SchemaNode.Tuple(tuple);
            }
            items = node(itemsNode, path + "/" + key);
        } else {
            items = new SchemaNode.Any();
        }
        return new SchemaNode.ArrayType(items, count(schema, "minItems", path, 0), count(schema, "maxItems", path, -1));
    }

    private SchemaNode string(JsonNode schema, String path) {
        String pattern = null;
        JsonNode patternNode = schema.get("pattern");
        if (patternNode != null) {
            if (!patternNode.isTextual()) {
                throw fail(path, "pattern must be a string");
            }
            pattern = patternNode.textValue();
        }
        return new SchemaNode.StringType(pattern, path + "/pattern", format(schema, path),
                count(schema, "minLength", path, 0), count(schema, "maxLength", path, -1));
    }

    private SchemaNode integer(JsonNode schema, String path) {
        long minimum = Long.MIN_VALUE;
        long maximum = Long.MAX_VALUE;
        if (schema.has("minimum")) {
            minimum = bound(schema, "minimum", path, true);
        } else if (schema.has("exclusiveMinimum")) {
            minimum = Math.addExact(bound(schema, "exclusiveMinimum", path, false), 1);
        }
        if (schema.has("maximum")) {
            maximum = bound(schema, "maximum", path, false);
        } else if (schema.has("exclusiveMaximum")) {
            maximum = Math.subtractExact(bound(schema, "exclusiveMaximum", path, true), 1);
        }
        if (minimum > maximum) {
            throw fail(path, "no integer lies between minimum " + minimum + " and maximum " + maximum);
        }
        return new SchemaNode.IntegerType(minimum, maximum);
    }

    /** A count keyword: a non-negative integer no larger than {@link JsonSchemaConverter#MAX_REPETITIONS}. */
    private static int count(JsonNode schema, String key, String path, int absent) {
        JsonNode value = schema.get(key);
        if (value == null) {
            return absent;
        }
        if (!value.isIntegralNumber() || value.bigIntegerValue().signum() < 0) {
            throw fail(path, key + " must be a non-negative integer");
        }
        if (!value.canConvertToInt() || value.intValue() > JsonSchemaConverter.MAX_REPETITIONS) {
            throw fail(path, key + " " + value.bigIntegerValue() + " exceeds " + JsonSchemaConverter.MAX_REPETITIONS
                    + ", more repetitions than llama.cpp's grammar parser takes safely");
        }
        return value.intValue();
    }

    /**
     * An integer bound; a fractional one is rounded inwards, towards the integers it still admits.
     * Bounds are kept within +-(2^62) so that negating and printing them never overflows; a bound
     * beyond that constrains no JSON integer a model would write (and llama.cpp caps at 16 digits).
     */
    private static long bound(JsonNode schema, String key, String path, boolean roundUp) {
        JsonNode value = schema.get(key);
        long limit = 1L << 62;
        if (value.isIntegralNumber()) {
            if (!value.canConvertToLong()) {
                return value.bigIntegerValue().signum() < 0 ? -limit : limit;
            }
            return Math.max(-limit, Math.min(limit, value.longValue()));
        }
        if (!value.isNumber()) {
            throw fail(path, key + " must be a number");
        }
        double d = roundUp ? Math.ceil(value.doubleValue()) : Math.floor(value.doubleValue());
        return (long) Math.max(-limit, Math.min(limit, d));
    }

    private static SchemaNode.StringFormat format(JsonNode schema, String path) {
        JsonNode value = schema.get("format");
        if (value == null) {
            return SchemaNode.StringFormat.NONE;
        }
        if (!value.isTextual()) {
            throw fail(path, "format must be a string");
        }
        String format = value.textValue();
        return switch (format) {
            case "date" -> SchemaNode.StringFormat.DATE;
            case "time" -> SchemaNode.StringFormat.TIME;
            case "date-time" -> SchemaNode.StringFormat.DATE_TIME;
            case "uuid", "uuid1", "uuid2", "uuid3", "uuid4", "uuid5" -> SchemaNode.StringFormat.UUID;
            default -> SchemaNode.StringFormat.NONE;
        };
    }
}
