package io.edgenode.core.chat.tools;

import io.edgenode.core.chat.ToolSpec;
import io.edgenode.core.chat.tools.CallSyntax.Start;
import io.edgenode.core.engine.Constraint;
import io.edgenode.core.grammar.GrammarRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Llama 3.1, 3.2 and 3.3: a call is the whole answer, {@code {"name": ..., "parameters": {...}}}
 * (3.2 also writes {@code "arguments"}), or the same JSON after {@code <|python_tag|>}. One call per
 * turn: the templates have no parallel form, so {@code parallel} is ignored. Immutable.
 *
 * <p>After {@code <|python_tag|>}, text that is not JSON is a built-in tool call or code
 * ({@link PythonTagCall}); it runs to the end of the output ({@code <|eom_id|>} stops it), so it is
 * decided at {@code finish()}. The grammar forces only the JSON form.
 */
public final class Llama3Format implements ToolCallFormat {

    static final String PYTHON_TAG = "<|python_tag|>";
    /** The trigger words for Auto: how a bare call begins (the grammar takes over after them). */
    static final List<String> JSON_TRIGGERS = List.of("{\"name\"", "{ \"name\"");
    private static final CallSyntax SYNTAX = new CallSyntax(
            List.of(Start.bareJson(), new Start(PYTHON_TAG, false, false, true)), List.of(), null, "",
            new CallBody.CallObject(List.of("name"), List.of("parameters", "arguments")), "", false);

    @Override
    public String name() {
        return "llama3";
    }

    @Override
    public List<String> markers() {
        return List.of(PYTHON_TAG);
    }

    @Override
    public Constraint constraint(List<ToolSpec> tools, ToolChoice choice, boolean parallel, GrammarRules rules) {
        if (choice instanceof ToolChoice.None) {
            return null;
        }
        GrammarWriter g = new GrammarWriter(rules);
        List<ToolSpec> allowed = GrammarWriter.allowed(tools, choice);
        Map<String, String> args = g.argumentRules(allowed);
        String call = g.callObjects(allowed, args, "name", "parameters", "");
        if (!(choice instanceof ToolChoice.Auto)) {
            return g.constraint(g.rule("root", call), List.of());
        }
        // One grammar serves every trigger: after {"name" the object goes on with ':'; after the
        // python tag a whole call object follows. The two begin with different characters.
        String w = g.ws();
        String afterName = g.rule("tool-call-after-name", callRest(g, allowed, args));
        String root = g.rule("root", "(" + w + " " + afterName + ") | (" + w + " " + call + ")");
        List<String> triggers = new ArrayList<>(JSON_TRIGGERS);
        triggers.add(PYTHON_TAG);
        return g.constraint(root, triggers);
    }

    /** A call object's text after its {@code {"name"}: {@code : "NAME", "parameters": ARGS}}. */
    private static String callRest(GrammarWriter g, List<ToolSpec> tools, Map<String, String> args) {
        String w = g.ws();
        List<String> alternatives = new ArrayList<>();
        for (ToolSpec tool : tools) {
            alternatives.add("\":\" " + w + " " + GrammarWriter.literal("\"" + tool.name() + "\"") + " " + w + " \",\" " + w
                    + " " + GrammarWriter.literal("\"parameters\"") + " " + w + " \":\" " + w + " " + args.get(tool.name()) + " "
                    + w + " \"}\"");
        }
        return String.join(" | ", alternatives);
    }

    @Override
    public ToolCallParser newParser(List<ToolSpec> tools, Supplier<String> ids) {
        return new MarkerToolCallParser(SYNTAX, ToolCallFormat.names(tools), ids);
    }
}
