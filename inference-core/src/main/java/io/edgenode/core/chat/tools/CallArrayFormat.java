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
 * The families that write all of a turn's calls as one JSON array after a marker:
 * {@code START [{NAME_KEY: ..., ARGS_KEY: {...}}, ...] [END]}. Instances for Granite 3.x
 * ({@code <|tool_call|>}), Command R7B ({@code <|START_ACTION|>...<|END_ACTION|>}, calls carrying
 * a {@code tool_call_id} first, the answer wrapped in {@code <|START_RESPONSE|>...<|END_RESPONSE|>})
 * and FireFunction v2 ({@code  functools}). Mistral Nemo, whose calls carry an id last, is
 * {@link MistralNemoFormat}. Immutable.
 */
public final class CallArrayFormat implements ToolCallFormat {

    /** Granite 3.x. */
    public static final CallArrayFormat GRANITE = new CallArrayFormat("granite", "<|tool_call|>", "", List.of(), "name",
            "arguments", false);
    /** Command R7B. */
    public static final CallArrayFormat COMMAND_R7B = new CallArrayFormat("command-r7b", "<|START_ACTION|>",
            "<|END_ACTION|>", List.of("<|START_RESPONSE|>", "<|END_RESPONSE|>"), "tool_name", "parameters", true);
    /** FireFunction v2. */
    public static final CallArrayFormat FIREFUNCTION_V2 = new CallArrayFormat("firefunction-v2", " functools", "",
            List.of(), "name", "arguments", false);

    private final String name;
    private final String start;
    private final String end;
    private final List<String> dropped;
    private final String nameKey;
    private final String argumentsKey;
    private final boolean numberedIds;
    private final CallSyntax syntax;

    private CallArrayFormat(String name, String start, String end, List<String> dropped, String nameKey,
            String argumentsKey, boolean numberedIds) {
        this.name = name;
        this.start = start;
        this.end = end;
        this.dropped = dropped;
        this.nameKey = nameKey;
        this.argumentsKey = argumentsKey;
        this.numberedIds = numberedIds;
        this.syntax = new CallSyntax(List.of(Start.anywhere(start)), dropped, null, "",
                new CallBody.CallArray(List.of(nameKey), List.of(argumentsKey)), end, false);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> markers() {
        List<String> markers = new ArrayList<>(List.of(start.strip()));
        if (!end.isEmpty()) {
            markers.add(end);
        }
        markers.addAll(dropped);
        return markers;
    }

    @Override
    public Constraint constraint(List<ToolSpec> tools, ToolChoice choice, boolean parallel, GrammarRules rules) {
        if (choice instanceof ToolChoice.None) {
            return null;
        }
        GrammarWriter g = new GrammarWriter(rules);
        String w = g.ws();
        List<ToolSpec> allowed = GrammarWriter.allowed(tools, choice);
        String call;
        if (numberedIds) {
            // Command R numbers its calls ("0", "1", ...) before naming them.
            Map<String, String> args = g.argumentRules(allowed);
            List<String> alternatives = new ArrayList<>();
            for (ToolSpec tool : allowed) {
                alternatives.add("\"{\" " + w + " " + GrammarWriter.literal("\"tool_call_id\"") + " " + w + " \":\" " + w
                        + " \"\\\"\" [0-9]{1,3} \"\\\"\" " + w + " \",\" " + w + " " + GrammarWriter.literal("\"" + nameKey + "\"")
                        + " " + w + " \":\" " + w + " " + GrammarWriter.literal("\"" + tool.name() + "\"") + " " + w + " \",\" "
                        + w + " " + GrammarWriter.literal("\"" + argumentsKey + "\"") + " " + w + " \":\" " + w + " "
                        + args.get(tool.name()) + " " + w + " \"}\"");
            }
            call = g.rule("tool-call", String.join(" | ", alternatives));
        } else {
            call = g.callObjects(allowed, nameKey, argumentsKey, "");
        }
        String more = parallel ? " (" + w + " \",\" " + w + " " + call + ")*" : "";
        String close = end.isEmpty() ? "" : " " + w + " " + GrammarWriter.literal(end);
        String array = g.rule("tool-call-array", w + " \"[\" " + w + " " + call + more + " " + w + " \"]\"" + close);
        return g.markedCalls(choice, false, start, array);
    }

    @Override
    public ToolCallParser newParser(List<ToolSpec> tools, Supplier<String> ids) {
        return new MarkerToolCallParser(syntax, ToolCallFormat.names(tools), ids);
    }
}
