package io.edgenode.core.chat.tools;

import io.edgenode.core.chat.ToolSpec;
import io.edgenode.core.chat.tools.CallSyntax.Start;
import io.edgenode.core.engine.Constraint;
import io.edgenode.core.grammar.GrammarRules;
import java.util.List;
import java.util.function.Supplier;

/**
 * Mistral Nemo (and Mistral 7B v0.3): {@code [TOOL_CALLS][{"name": ..., "arguments": {...},
 * "id": "abcDEF123"}, ...]}, all of a turn's calls in one array. Ids are nine alphanumerics: the
 * template refuses others when the history comes back. Immutable.
 */
public final class MistralNemoFormat implements ToolCallFormat {

    static final String START = "[TOOL_CALLS]";
    private static final CallSyntax SYNTAX = new CallSyntax(List.of(Start.anywhere(START)), List.of(), null, "",
            new CallBody.CallArray(List.of("name"), List.of("arguments")), "", false);

    @Override
    public String name() {
        return "mistral-nemo";
    }

    @Override
    public List<String> markers() {
        return List.of(START);
    }

    @Override
    public Constraint constraint(List<ToolSpec> tools, ToolChoice choice, boolean parallel, GrammarRules rules) {
        if (choice instanceof ToolChoice.None) {
            return null;
        }
        GrammarWriter g = new GrammarWriter(rules);
        String w = g.ws();
        // The model was trained to write the id it will see in the history; let it, in the shape
        // the template demands (our own id is what the client gets).
        String id = "(" + w + " \",\" " + w + " " + GrammarWriter.literal("\"id\"") + " " + w + " \":\" " + w
                + " \"\\\"\" [a-zA-Z0-9]{9} \"\\\"\")?";
        String call = g.callObjects(GrammarWriter.allowed(tools, choice), "name", "arguments", id);
        String more = parallel ? " (" + w + " \",\" " + w + " " + call + ")*" : "";
        String array = g.rule("tool-call-array", w + " \"[\" " + w + " " + call + more + " " + w + " \"]\"");
        return g.markedCalls(choice, false, START, array);
    }

    @Override
    public ToolCallParser newParser(List<ToolSpec> tools, Supplier<String> ids) {
        return new MarkerToolCallParser(SYNTAX, ToolCallFormat.names(tools), ids);
    }

    @Override
    public ToolCallParser newParser(List<ToolSpec> tools) {
        return newParser(tools, ToolCallIds.randomNine());
    }
}
