package io.edgenode.core.chat.tools;

import io.edgenode.core.chat.ToolSpec;
import io.edgenode.core.engine.Constraint;
import io.edgenode.core.grammar.GrammarRules;
import java.util.List;
import java.util.function.Supplier;

/**
 * Hermes 2 Pro / Hermes 3, Qwen 2.5 and Qwen 3 (and the many templates that copied them): each call
 * is {@code <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>}, parallel calls one after
 * another. Immutable.
 */
public final class HermesFormat implements ToolCallFormat {

    static final String START = "<tool_call>";
    static final String END = "</tool_call>";
    private static final CallSyntax SYNTAX = CallSyntax.tagged(START,
            new CallBody.CallObject(List.of("name"), List.of("arguments")), END);

    @Override
    public String name() {
        return "hermes";
    }

    @Override
    public List<String> markers() {
        return List.of(START, END);
    }

    @Override
    public Constraint constraint(List<ToolSpec> tools, ToolChoice choice, boolean parallel, GrammarRules rules) {
        if (choice instanceof ToolChoice.None) {
            return null;
        }
        GrammarWriter g = new GrammarWriter(rules);
        String call = g.callObjects(GrammarWriter.allowed(tools, choice), "name", "arguments", "");
        String w = g.ws();
        String afterMarker = g.rule("tool-call-region", w + " " + call + " " + w + " " + GrammarWriter.literal(END));
        return g.markedCalls(choice, parallel, START, afterMarker);
    }

    @Override
    public ToolCallParser newParser(List<ToolSpec> tools, Supplier<String> ids) {
        return new MarkerToolCallParser(SYNTAX, ToolCallFormat.names(tools), ids);
    }
}
