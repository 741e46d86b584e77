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
 * Functionary v3.2: every part of a turn is {@code >>>RECIPIENT\n...}: {@code all} for text to the
 * user, a function's name for a call whose arguments JSON follows. The generation prompt already
 * ends with {@code >>>}, so the output begins with the recipient; the parser reads that prefill as
 * its first marker. Immutable.
 *
 * <p>For {@code Auto} the grammar is triggered by {@code >>>}, so it holds for the calls after the
 * first part; a call in the first part (just after the prompt's {@code >>>}) is not constrained —
 * word triggers cannot say "at the start" (llama.cpp uses a start-anchored pattern there). Known gap:
 * {@code >>>python\n} with raw code stays content.
 */
public final class FunctionaryV32Format implements ToolCallFormat {

    static final String MARKER = ">>>";
    private static final CallSyntax SYNTAX = new CallSyntax(List.of(Start.anywhere(MARKER)), List.of(), "\n", "",
            new CallBody.ArgumentsObject(null), "", false, "all", MARKER);

    @Override
    public String name() {
        return "functionary-v3.2";
    }

    @Override
    public List<String> markers() {
        return List.of(MARKER);
    }

    @Override
    public Constraint constraint(List<ToolSpec> tools, ToolChoice choice, boolean parallel, GrammarRules rules) {
        if (choice instanceof ToolChoice.None) {
            return null;
        }
        GrammarWriter g = new GrammarWriter(rules);
        List<ToolSpec> allowed = GrammarWriter.allowed(tools, choice);
        Map<String, String> args = g.argumentRules(allowed);
        List<String> alternatives = new ArrayList<>();
        for (ToolSpec tool : allowed) {
            alternatives.add(GrammarWriter.literal(tool.name() + "\n") + " " + args.get(tool.name()));
        }
        String call = g.rule("tool-call-region", String.join(" | ", alternatives));
        String more = parallel ? " (" + GrammarWriter.literal(MARKER) + " " + call + ")*" : "";
        // Forced or triggered, the grammar starts right after a ">>>" (the prompt's, or the trigger).
        return g.constraint(g.rule("root", call + more), choice instanceof ToolChoice.Auto ? List.of(MARKER) : List.of());
    }

    @Override
    public ToolCallParser newParser(List<ToolSpec> tools, Supplier<String> ids) {
        return new MarkerToolCallParser(SYNTAX, ToolCallFormat.names(tools), ids);
    }
}
