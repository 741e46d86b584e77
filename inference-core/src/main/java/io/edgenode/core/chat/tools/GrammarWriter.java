package io.edgenode.core.chat.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgenode.core.chat.ToolSpec;
import io.edgenode.core.engine.Constraint;
import io.edgenode.core.grammar.Gbnf;
import io.edgenode.core.grammar.GrammarRules;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Confined to the thread building one constraint: writes a format's rules into a
 * {@link GrammarRules} and keeps their text for the {@link Constraint}.
 *
 * <p>The constraint's grammar text holds the rules written here ({@code name ::= body}, one a line,
 * under the names {@code rules} gave); the rules {@code rules} made for the argument schemas stay in
 * {@code rules}, which owns the whole grammar. (GrammarRules has no accessor for its text yet; the
 * caller that assembles the final grammar joins the two.)
 */
final class GrammarWriter {

    private final GrammarRules rules;
    private final StringBuilder text = new StringBuilder();
    private String ws;

    GrammarWriter(GrammarRules rules) {
        this.rules = Objects.requireNonNull(rules, "rules");
    }

    /** Adds {@code name ::= body} and returns the name it got. */
    String rule(String name, String body) {
        String actual = rules.addRule(name, body);
        text.append(actual).append(" ::= ").append(body).append('\n');
        return actual;
    }

    /** The rule for JSON documents valid against {@code schema}. */
    String schema(String name, JsonNode schema) {
        return rules.addSchema(name, schema);
    }

    /** Optional JSON whitespace (bounded, as llama.cpp's, so a model cannot stall on newlines). */
    String ws() {
        if (ws == null) {
            ws = rule("tool-ws", "[ \\t\\n]{0,20}");
        }
        return ws;
    }

    /** One rule per tool for its arguments (by tool name, in order). */
    Map<String, String> argumentRules(List<ToolSpec> tools) {
        Map<String, String> byName = new LinkedHashMap<>();
        for (ToolSpec tool : tools) {
            byName.put(tool.name(), schema(ruleName(tool.name()) + "-args", tool.parameters()));
        }
        return byName;
    }

    /**
     * {@code {"nameKey": "NAME", "argumentsKey": ARGS}} for each tool, as alternatives under one rule.
     *
     * @param extra GBNF appended inside the object after the arguments ("" for none)
     */
    String callObjects(List<ToolSpec> tools, String nameKey, String argumentsKey, String extra) {
        return callObjects(tools, argumentRules(tools), nameKey, argumentsKey, extra);
    }

    /** As {@link #callObjects(List, String, String, String)}, with the argument rules already written. */
    String callObjects(List<ToolSpec> tools, Map<String, String> args, String nameKey, String argumentsKey, String extra) {
        String w = ws();
        List<String> alternatives = new ArrayList<>();
        for (ToolSpec tool : tools) {
            alternatives.add(rule(ruleName(tool.name()) + "-call", "\"{\" " + w + " " + literal("\"" + nameKey + "\"") + " " + w
                    + " \":\" " + w + " " + literal("\"" + tool.name() + "\"") + " " + w + " \",\" " + w + " "
                    + literal("\"" + argumentsKey + "\"") + " " + w + " \":\" " + w + " " + args.get(tool.name()) + " " + w
                    + (extra.isEmpty() ? "" : " " + extra) + " \"}\""));
        }
        return rule("tool-call", String.join(" | ", alternatives));
    }

    /**
     * The root for formats whose every call opens with {@code marker}: for {@code Auto} the grammar
     * starts after the marker (the trigger word), else it holds from the first token and begins with
     * the marker; more calls may follow, each with its marker, when {@code parallel}.
     *
     * @param afterMarker GBNF for one call after its marker
     */
    Constraint markedCalls(ToolChoice choice, boolean parallel, String marker, String afterMarker) {
        String more = parallel ? " (" + ws() + " " + literal(marker) + " " + afterMarker + ")*" : "";
        if (choice instanceof ToolChoice.Auto) {
            return constraint(rule("root", afterMarker + more), List.of(marker));
        }
        return constraint(rule("root", literal(marker) + " " + afterMarker + more), List.of());
    }

    /** The accumulated rules as a constraint with {@code root}. */
    Constraint constraint(String root, List<String> triggers) {
        return new Constraint(text.toString(), root, triggers);
    }

    /** The tools a choice allows: all, or the named one (a grammar needs at least one). */
    static List<ToolSpec> allowed(List<ToolSpec> tools, ToolChoice choice) {
        if (tools.isEmpty()) {
            throw new IllegalArgumentException("a tool-call grammar needs at least one tool");
        }
        if (choice instanceof ToolChoice.Named(String name)) {
            List<ToolSpec> named = tools.stream().filter(t -> t.name().equals(name)).toList();
            if (named.isEmpty()) {
                throw new IllegalArgumentException("tool_choice names '" + name + "', which is not among the tools");
            }
            return named;
        }
        return tools;
    }

    /** A GBNF rule-name stem from a function name ([a-zA-Z0-9-] only). */
    static String ruleName(String functionName) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < functionName.length(); i++) {
            char c = functionName.charAt(i);
            b.append((c < 128 && Character.isLetterOrDigit(c)) ? c : '-');
        }
        return b.isEmpty() ? "fn" : b.toString();
    }

    /** A GBNF string literal matching {@code s} exactly. */
    static String literal(String s) {
        return Gbnf.literal(s);
    }
}
