package io.edgenode.core.chat.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgenode.core.chat.ToolSpec;
import io.edgenode.core.chat.tools.CallSyntax.Start;
import io.edgenode.core.engine.Constraint;
import io.edgenode.core.grammar.GrammarRules;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Qwen3-Coder, Qwen 3.5, Nemotron 3 Nano, StepFun 3.5 (and Seed-OSS with its own wrapper): a call
 * is XML, one element per argument:
 *
 * <pre>
 * START
 * &lt;function=NAME&gt;
 * &lt;parameter=KEY&gt;
 * VALUE
 * &lt;/parameter&gt;
 * &lt;/function&gt;
 * END
 * </pre>
 *
 * with START/END {@code <tool_call>}/{@code </tool_call>} (or {@code <seed:tool_call>}...); or GLM
 * 4.6/4.7's dialect {@code <tool_call>NAME<arg_key>KEY</arg_key><arg_value>VALUE</arg_value>...</tool_call>}
 * (also Ling 3, Laguna, Spark 2.5).
 * The grammar writes the parameters in the schema's order, each at most once, the required ones
 * always. String values are free text in the grammar (it cannot contain {@code </}; under a
 * length bound, no {@code <} at all); other values follow their property's schema as JSON. Arguments reach the client as JSON written from the XML
 * ({@link CallBody.XmlParameters}). Immutable.
 */
public final class XmlParametersFormat implements ToolCallFormat {

    private final String start;
    private final String end;
    private final boolean argKeyValue;

    /** The {@code <function=...><parameter=...>} dialect with these wrapper markers (as the template renders them). */
    public XmlParametersFormat(String start, String end) {
        this(start, end, false);
    }

    /**
     * @param argKeyValue GLM's dialect: {@code <tool_call>NAME<arg_key>K</arg_key><arg_value>V</arg_value>...</tool_call>}
     */
    public XmlParametersFormat(String start, String end, boolean argKeyValue) {
        this.start = Objects.requireNonNull(start, "start");
        this.end = Objects.requireNonNull(end, "end");
        this.argKeyValue = argKeyValue;
        if (start.isEmpty() || end.isEmpty()) {
            throw new IllegalArgumentException("XML calls need start and end markers");
        }
    }

    @Override
    public String name() {
        return argKeyValue ? "xml-arg-key-value" : "xml-parameters";
    }

    @Override
    public String toString() {
        return "XmlParametersFormat[" + start + " ... " + end + "]";
    }

    @Override
    public List<String> markers() {
        return List.of(start, end);
    }

    @Override
    public Constraint constraint(List<ToolSpec> tools, ToolChoice choice, boolean parallel, GrammarRules rules) {
        if (choice instanceof ToolChoice.None) {
            return null;
        }
        GrammarWriter g = new GrammarWriter(rules);
        String w = g.ws();
        String text = g.rule("tool-xml-text", "( [^<] | \"<\" [^/] )*");
        List<String> calls = new ArrayList<>();
        for (ToolSpec tool : GrammarWriter.allowed(tools, choice)) {
            String stem = GrammarWriter.ruleName(tool.name());
            Set<String> required = new HashSet<>();
            tool.parameters().path("required").forEach(r -> required.add(r.asText()));
            // In the schema's order, each at most once, the required ones always: a parameter written
            // twice would reach the client once (the last wins), a missing required one not at all.
            StringBuilder params = new StringBuilder();
            JsonNode properties = tool.parameters().path("properties");
            for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                String ruleName = stem + "-" + GrammarWriter.ruleName(p.getKey());
                String value = "string".equals(p.getValue().path("type").asText())
                        ? stringValue(g, ruleName, p.getValue(), text) : g.schema(ruleName, p.getValue());
                String one = argKeyValue
                        ? GrammarWriter.literal("<arg_key>" + p.getKey() + "</arg_key>") + " " + w + " "
                                + GrammarWriter.literal("<arg_value>") + " " + value + " " + GrammarWriter.literal("</arg_value>") + " " + w
                        : GrammarWriter.literal("<parameter=" + p.getKey() + ">\n") + " " + value + " "
                                + GrammarWriter.literal("\n</parameter>") + " " + w;
                params.append(required.contains(p.getKey()) ? " " + one : " (" + one + ")?");
            }
            calls.add(g.rule(stem + "-call", argKeyValue
                    ? GrammarWriter.literal(tool.name()) + " " + w + params
                    : GrammarWriter.literal("<function=" + tool.name() + ">") + " " + w + params + " "
                            + GrammarWriter.literal("</function>")));
        }
        String region = g.rule("tool-call-region", w + " (" + String.join(" | ", calls) + ") " + w + " " + GrammarWriter.literal(end));
        return g.markedCalls(choice, parallel, start, region);
    }

    /**
     * A string parameter's raw text: free (anything without {@code </}), or, under
     * {@code minLength}/{@code maxLength}, that many characters none of which is {@code <} (so that
     * each grammar character is one character of the value).
     */
    private static String stringValue(GrammarWriter g, String ruleName, JsonNode schema, String free) {
        JsonNode min = schema.get("minLength");
        JsonNode max = schema.get("maxLength");
        if ((min == null || !min.canConvertToInt()) && (max == null || !max.canConvertToInt())) {
            return free;
        }
        int lo = min != null && min.canConvertToInt() ? Math.max(0, min.asInt()) : 0;
        String hi = max != null && max.canConvertToInt() ? String.valueOf(Math.max(lo, max.asInt())) : "";
        return g.rule(ruleName + "-text", "[^<]{" + lo + "," + hi + "}");
    }

    @Override
    public ToolCallParser newParser(List<ToolSpec> tools, Supplier<String> ids) {
        Map<String, Set<String>> strings = new HashMap<>();
        for (ToolSpec tool : tools) {
            Set<String> names = new HashSet<>();
            tool.parameters().path("properties").fields().forEachRemaining(p -> {
                if ("string".equals(p.getValue().path("type").asText())) {
                    names.add(p.getKey());
                }
            });
            strings.put(tool.name(), Set.copyOf(names));
        }
        CallSyntax syntax = new CallSyntax(List.of(Start.anywhere(start)), List.of(), null, "",
                new CallBody.XmlParameters(Map.copyOf(strings), argKeyValue), end, false);
        return new MarkerToolCallParser(syntax, ToolCallFormat.names(tools), ids);
    }
}
