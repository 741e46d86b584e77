package io.edgenode.core.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds one GBNF grammar from named rules and JSON schemas, for tool calls and structured output
 * (llama.cpp's {@code common_chat_schema_converter} with its {@code common_grammar_builder}).
 * Not thread-safe: one instance builds one grammar, confined to the thread that builds it.
 *
 * <p>Hand-written because no Java library turns JSON schema into GBNF; llama.cpp's own converter
 * is C++ (with Python and JS twins), and the grammar must match what llama.cpp's grammar sampler
 * parses. Coverage and verdicts follow {@code common/json-schema-to-grammar.cpp} and
 * {@code common/json-schema.cpp}: every case of its test corpus gets its verdict, and its grammar
 * text (rules sorted by name) except where we fix a grammar that lets a model write what is not
 * JSON or not in the schema; the tests list those cases and check the rest byte for byte.
 *
 * <p>Those fixes (four corpus cases change text, listed in {@code LlamaCorpusVerdictTest}, plus
 * the additional-key class): pattern text is written as JSON string text (llama.cpp emits quotes,
 * backslashes and controls raw, and its {@code .} admits them raw), and an escaped character before
 * a quantifier is repeated alone; additional-property keys refuse a raw backslash or control, match
 * names with such characters by their escapes, and when the only name is {@code ""} allow other
 * keys; integer ranges never admit a leading zero ({@code -05}) nor, for a minimum like 109,
 * smaller numbers of its length; a top-level property named {@code ""} no longer takes the root
 * rule; a property in several {@code allOf} components is written once. Other deliberate
 * differences, on schemas outside the corpus: repetition counts
 * ({@code minItems}, {@code maxItems}, {@code minLength}, {@code maxLength}, regex {@code {m,n}})
 * above {@link #MAX_REPETITIONS} are refused, where llama.cpp emits a grammar its parser rejects
 * (min above 2000) or silently unbounds (max above 2000); an integer range with no integer in it
 * is refused; {@code $ref: "#"} and the boolean schema {@code true} are accepted; refs are
 * resolved per {@link #addSchema} document, so two documents' {@code #/$defs/x} never share a rule.
 * A pattern llama.cpp cannot translate (valid regex, no GBNF equivalent) becomes "any string" with
 * a {@link #warnings() warning}, as in llama.cpp, unless the converter is built strict.
 *
 * <p>Inherited from llama.cpp and kept: {@code oneOf} is read as {@code anyOf} (exclusivity is not
 * enforced); {@code allOf} merges object properties and intersects enums, nothing else; number
 * bounds, {@code multipleOf}, {@code uniqueItems}, {@code not}, {@code if/then/else},
 * {@code dependentRequired} and {@code patternProperties} are ignored; the date rule allows day 31
 * in every month.
 */
public final class JsonSchemaConverter implements GrammarRules {
    /**
     * Largest repetition count a schema may ask for. llama.cpp's grammar parser
     * ({@code MAX_REPETITION_THRESHOLD} in {@code src/llama-grammar.cpp}) refuses a minimum above
     * 2000 and unbounds a maximum above it; 1000 leaves headroom for a repeated group whose rules
     * multiply the count.
     */
    public static final int MAX_REPETITIONS = 1000;

    static final String SPACE_RULE = "| \" \" | \"\\n\"{1,2} [ \\t]{0,20}";

    private final boolean dotAll;
    private final boolean strictPatterns;
    private TreeMap<String, String> rules = new TreeMap<>();
    private final List<String> warnings = new ArrayList<>();
    /** Per document (identity of the root passed to addSchema): ref text to its rule name. */
    private final Map<JsonNode, Map<String, String>> refRules = new IdentityHashMap<>();
    private final Set<String> refsBeingResolved = new HashSet<>();
    private Map<String, String> currentRefs;

    /** llama.cpp's defaults: {@code .} excludes line breaks, untranslatable patterns become any string. */
    public JsonSchemaConverter() {
        this(false, false);
    }

    /**
     * @param dotAll whether a pattern's {@code .} matches line breaks too
     * @param strictPatterns whether a pattern with no GBNF equivalent is refused rather than
     *     widened to any string
     */
    public JsonSchemaConverter(boolean dotAll, boolean strictPatterns) {
        this.dotAll = dotAll;
        this.strictPatterns = strictPatterns;
        rules.put("space", SPACE_RULE);
    }

    /**
     * Adds {@code name ::= rule}. The name is sanitised ({@code [^a-zA-Z0-9-]+} becomes {@code -});
     * the same name with the same body is reused, a different body gets the first free numbered
     * name ({@code name0}, {@code name1}, ...). Returns the name to reference.
     */
    @Override
    public String addRule(String name, String rule) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(rule, "rule");
        String escaped = Gbnf.sanitizeRuleName(name);
        if (escaped.isEmpty()) {
            throw new IllegalArgumentException("empty rule name");
        }
        String existing = rules.get(escaped);
        if (existing == null || existing.equals(rule)) {
            rules.put(escaped, rule);
            return escaped;
        }
        int i = 0;
        while (rules.containsKey(escaped + i) && !rules.get(escaped + i).equals(rule)) {
            i++;
        }
        String key = escaped + i;
        rules.put(key, rule);
        return key;
    }

    /**
     * Adds the rules for {@code schema}; {@code "root"} (or an empty name) names the root rule.
     * Local {@code $ref}s resolve against {@code schema} itself.
     *
     * @throws SchemaConversionException if the schema is malformed or uses what GBNF cannot express;
     *     rules added before the failure stay, so a failed builder should be discarded
     */
    @Override
    public String addSchema(String name, JsonNode schema) {
        return addSchema(name, schema, schema);
    }

    /**
     * Adds the rules for {@code schema}, a part of {@code document} (a tool's parameter, say),
     * resolving its {@code $ref}s against {@code document}: a format that constrains each argument
     * on its own still finds the tool's {@code $defs}.
     *
     * @throws SchemaConversionException as {@link #addSchema(String, JsonNode)}; pointers are
     *     relative to {@code schema} (written from {@code #})
     */
    public String addSchema(String name, JsonNode schema, JsonNode document) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(document, "document");
        SchemaNode root = new SchemaReader(document).read(schema);
        currentRefs = refRules.computeIfAbsent(document, k -> new HashMap<>());
        try {
            return visit(root, name.equals("root") ? "" : name);
        } finally {
            currentRefs = null;
        }
    }

    /** Patterns that were widened to any string, one message each (llama.cpp's warnings). */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** The grammar: one {@code name ::= body} line per rule, sorted by name. */
    public String format() {
        StringBuilder out = new StringBuilder();
        rules.forEach((name, body) -> out.append(name).append(" ::= ").append(body).append('\n'));
        return out.toString();
    }

    private String visit(SchemaNode schema, String name) {
        String ruleName = BuiltinRules.isReserved(name) ? name + "-" : name.isEmpty() ? "root" : name;
        String subName = name.isEmpty() ? "" : name + "-";
        return switch (schema) {
            case SchemaNode.Ref ref -> addRule(ruleName, resolveRef(ref));
            case SchemaNode.AnyOf anyOf -> addRule(ruleName, union(name, anyOf.children()));
            case SchemaNode.AllOf allOf -> allOf(allOf, name, ruleName);
            case SchemaNode.Const c -> addRule(ruleName, constant(c.value()));
            case SchemaNode.Enum e -> {
                List<String> values = new ArrayList<>();
                for (JsonNode v : e.values()) {
                    values.add(constant(v));
                }
                yield addRule(ruleName, "(" + String.join(" | ", values) + ")");
            }
            case SchemaNode.ObjectType obj -> {
                if (obj.properties().isEmpty() && obj.additional() instanceof SchemaNode.Any) {
                    yield addRule(ruleName, primitive("object"));
                }
                yield addRule(ruleName, objectRule(obj.properties(), name, obj.additional()));
            }
            case SchemaNode.Tuple tuple -> {
                StringBuilder rule = new StringBuilder("\"[\" space ");
                for (int i = 0; i < tuple.items().size(); i++) {
                    if (i > 0) {
                        rule.append(" \",\" space ");
                    }
                    rule.append(visit(tuple.items().get(i), subName + "tuple-" + i));
                }
                rule.append(" space \"]\"");
                yield addRule(ruleName, rule.toString());
            }
            case SchemaNode.ArrayType arr -> {
                if (arr.items() instanceof SchemaNode.Any && arr.minItems() == 0 && arr.maxItems() < 0) {
                    yield visitPrimitive(ruleName, "array");
                }
                String item = visit(arr.items(), subName + "item");
                int max = arr.maxItems() < 0 ? Integer.MAX_VALUE : arr.maxItems();
                yield addRule(ruleName, "\"[\" space " + repetition(item, arr.minItems(), max, "\",\" space") + " space \"]\"");
            }
            case SchemaNode.StringType str -> string(str, ruleName);
            case SchemaNode.IntegerType integer -> integer.unbounded()
                    ? visitPrimitive(ruleName, "integer")
                    : addRule(ruleName, "(" + IntegerRanges.range(integer.minimum(), integer.maximum()) + ")");
            case SchemaNode.NumberType n -> visitPrimitive(ruleName, "number");
            case SchemaNode.BooleanType b -> visitPrimitive(ruleName, "boolean");
            case SchemaNode.Null n -> visitPrimitive(ruleName, "null");
            case SchemaNode.Any a -> addRule(ruleName, primitive("value"));
        };
    }

    private String string(SchemaNode.StringType str, String ruleName) {
        if (str.pattern() != null) {
            return pattern(str, ruleName);
        }
        switch (str.format()) {
            case UUID -> {
                return visitPrimitive(ruleName, "uuid");
            }
            case DATE -> {
                return addRule(ruleName, primitive("date-string"));
            }
            case TIME -> {
                return addRule(ruleName, primitive("time-string"));
            }
            case DATE_TIME -> {
                return addRule(ruleName, primitive("date-time-string"));
            }
            case NONE -> {
            }
        }
        if (str.minLength() > 0 || str.maxLength() >= 0) {
            String charRule = primitive("char");
            int max = str.maxLength() < 0 ? Integer.MAX_VALUE : str.maxLength();
            return addRule(ruleName, "\"\\\"\" " + repetition(charRule, str.minLength(), max, "") + " \"\\\"\"");
        }
        return visitPrimitive(ruleName, "string");
    }

    private String pattern(SchemaNode.StringType str, String ruleName) {
        TreeMap<String, String> snapshot = new TreeMap<>(rules);
        try {
            return PatternTranslator.translate(str.pattern(), ruleName, dotAll, this::addRule);
        } catch (PatternTranslator.Unsupported e) {
            rules = snapshot;
            if (strictPatterns) {
                throw new SchemaConversionException("pattern " + str.pattern() + " is not supported: " + e.getMessage(), str.pointer());
            }
            warnings.add("pattern " + str.pattern() + " is not supported (" + e.getMessage() + "), accepting any string");
            return addRule(ruleName, primitive("string"));
        } catch (PatternTranslator.Invalid e) {
            throw new SchemaConversionException("invalid pattern " + str.pattern() + ": " + e.getMessage(), str.pointer());
        } catch (PatternTranslator.TooManyRepetitions e) {
            throw new SchemaConversionException(e.getMessage(), str.pointer());
        }
    }

    private String union(String name, List<SchemaNode> alternatives) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < alternatives.size(); i++) {
            names.add(visit(alternatives.get(i), name + (name.isEmpty() ? "alternative-" : "-") + i));
        }
        return String.join(" | ", names);
    }

    private String resolveRef(SchemaNode.Ref ref) {
        String fragment = ref.ref().substring(ref.ref().indexOf('#') + 1);
        String refName = "ref" + Gbnf.sanitizeRuleName(fragment);
        String resolved = currentRefs.get(ref.ref());
        if (resolved != null) {
            return resolved;
        }
        if (!refsBeingResolved.add(ref.ref())) {
            return refName; // a cycle: the rule is being written under this name
        }
        try {
            resolved = visit(ref.target(), refName);
        } finally {
            refsBeingResolved.remove(ref.ref());
        }
        currentRefs.put(ref.ref(), resolved);
        return resolved;
    }

    private String allOf(SchemaNode.AllOf schema, String name, String ruleName) {
        Set<String> required = new HashSet<>();
        List<SchemaNode.Property> properties = new ArrayList<>();
        TreeMap<String, Integer> enumCounts = new TreeMap<>();
        for (SchemaNode child : schema.children()) {
            if (child instanceof SchemaNode.AnyOf anyOf) {
                for (SchemaNode alt : anyOf.children()) {
                    allOfComponent(alt, false, properties, required, enumCounts);
                }
            } else {
                allOfComponent(child, true, properties, required, enumCounts);
            }
        }
        if (!enumCounts.isEmpty()) {
            List<String> intersection = new ArrayList<>();
            enumCounts.forEach((literal, n) -> {
                if (n == schema.children().size()) {
                    intersection.add(literal);
                }
            });
            if (!intersection.isEmpty()) {
                return addRule(ruleName, "(" + String.join(" | ", intersection) + ")");
            }
        }
        // a property in several components appears once, where first seen, with the last
        // component's schema (the one llama.cpp's key rule ends up with); llama.cpp lists it once
        // per component, so a model would write the key twice. The schemas are not intersected.
        Map<String, SchemaNode> lastSchema = new HashMap<>();
        properties.forEach(p -> lastSchema.put(p.name(), p.schema()));
        List<SchemaNode.Property> merged = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (SchemaNode.Property p : properties) {
            if (seen.add(p.name())) {
                merged.add(new SchemaNode.Property(p.name(), lastSchema.get(p.name()), required.contains(p.name())));
            }
        }
        return addRule(ruleName, objectRule(merged, name, null));
    }

    private void allOfComponent(SchemaNode component, boolean isRequired, List<SchemaNode.Property> properties,
                                Set<String> required, Map<String, Integer> enumCounts) {
        switch (component) {
            case SchemaNode.Ref ref -> {
                if (ref.target() != null) {
                    allOfComponent(ref.target(), isRequired, properties, required, enumCounts);
                }
            }
            case SchemaNode.ObjectType obj -> {
                for (SchemaNode.Property p : obj.properties()) {
                    properties.add(p);
                    if (isRequired) {
                        required.add(p.name());
                    }
                }
            }
            case SchemaNode.Enum e -> {
                for (JsonNode v : e.values()) {
                    enumCounts.merge(constant(v), 1, Integer::sum);
                }
            }
            default -> {
                // other kinds constrain nothing llama.cpp merges
            }
        }
    }

    /**
     * The object rule, llama.cpp's property order: required properties in document order, then the
     * optional ones in document order, each optional one allowed to be the first present (so any
     * subset keeps that order), then additional properties last, any number of them.
     */
    private String objectRule(List<SchemaNode.Property> properties, String name, SchemaNode additional) {
        String prefix = name.isEmpty() ? "" : name + "-";
        List<String> requiredProps = new ArrayList<>();
        List<String> optionalProps = new ArrayList<>();
        Map<String, String> kvRules = new HashMap<>();
        List<String> propNames = new ArrayList<>();
        for (SchemaNode.Property p : properties) {
            // a top-level property named "" would get the name "", which means root: llama.cpp then
            // gives the property's schema the root rule (its grammar for {"": integer} is an integer)
            String valueName = prefix.isEmpty() && p.name().isEmpty() ? "-" : prefix + p.name();
            String valueRule = visit(p.schema(), valueName);
            kvRules.put(p.name(), addRule(prefix + p.name() + "-kv",
                    Gbnf.literal(JsonText.string(p.name())) + " space \":\" space " + valueRule));
            (p.required() ? requiredProps : optionalProps).add(p.name());
            propNames.add(p.name());
        }
        if (additional != null) {
            String subName = prefix + "additional";
            String valueRule = additional instanceof SchemaNode.Any ? primitive("value") : visit(additional, subName + "-value");
            String keyRule = propNames.isEmpty() ? primitive("string") : addRule(subName + "-k", NotStrings.rule(propNames, primitive("char")));
            kvRules.put("*", addRule(subName + "-kv", keyRule + " \":\" space " + valueRule));
            optionalProps.add("*");
        }
        if (requiredProps.isEmpty() && optionalProps.isEmpty()) {
            return "\"{\" space \"}\"";
        }
        StringBuilder rule = new StringBuilder("\"{\" space ");
        for (int i = 0; i < requiredProps.size(); i++) {
            if (i > 0) {
                rule.append(" \",\" space ");
            }
            rule.append(kvRules.get(requiredProps.get(i)));
        }
        if (!optionalProps.isEmpty()) {
            rule.append(" (");
            if (!requiredProps.isEmpty()) {
                rule.append(" \",\" space ( ");
            }
            for (int i = 0; i < optionalProps.size(); i++) {
                if (i > 0) {
                    rule.append(" | ");
                }
                rule.append(optionalChain(optionalProps.subList(i, optionalProps.size()), false, prefix, kvRules));
            }
            if (!requiredProps.isEmpty()) {
                rule.append(" )");
            }
            rule.append(" )?");
        }
        return rule.append(" space \"}\"").toString();
    }

    /** The optional properties {@code keys[0..]} in order, the first one present unless {@code firstIsOptional}. */
    private String optionalChain(List<String> keys, boolean firstIsOptional, String prefix, Map<String, String> kvRules) {
        if (keys.isEmpty()) {
            return "";
        }
        String k = keys.getFirst();
        String kv = kvRules.get(k);
        String commaRef = "( \",\" space " + kv + " )";
        boolean additional = k.equals("*");
        String res = firstIsOptional
                ? commaRef + (additional ? "*" : "?")
                : kv + (additional ? " " + commaRef + "*" : "");
        if (keys.size() > 1) {
            res += " " + addRule(prefix + k + "-rest", optionalChain(keys.subList(1, keys.size()), true, prefix, kvRules));
        }
        return res;
    }

    private static String constant(JsonNode value) {
        return Gbnf.literal(JsonText.dump(value));
    }

    private String visitPrimitive(String ruleName, String type) {
        return addPrimitive(ruleName.equals("root") ? "root" : type, type);
    }

    private String primitive(String type) {
        return addPrimitive(type, type);
    }

    /** Adds built-in rule {@code type} under {@code name}, and its dependencies under their own names. */
    private String addPrimitive(String name, String type) {
        BuiltinRules.Rule rule = BuiltinRules.get(type);
        String added = addRule(name, rule.body());
        for (String dep : rule.deps()) {
            if (!rules.containsKey(dep)) {
                addPrimitive(dep, dep);
            }
        }
        return added;
    }

    /**
     * {@code item} repeated min..max times ({@link Integer#MAX_VALUE}: no maximum), with
     * {@code separator} between items when not empty (llama.cpp's {@code build_repetition}).
     */
    static String repetition(String item, int min, int max, String separator) {
        boolean hasMax = max != Integer.MAX_VALUE;
        if (max == 0) {
            return "";
        }
        if (min == 0 && max == 1) {
            return item + "?";
        }
        if (separator.isEmpty()) {
            if (min == 1 && !hasMax) {
                return item + "+";
            }
            if (min == 0 && !hasMax) {
                return item + "*";
            }
            return item + "{" + min + "," + (hasMax ? Integer.toString(max) : "") + "}";
        }
        String result = item + " " + repetition("(" + separator + " " + item + ")",
                min == 0 ? 0 : min - 1, hasMax ? max - 1 : max, "");
        return min == 0 ? "(" + result + ")?" : result;
    }
}
