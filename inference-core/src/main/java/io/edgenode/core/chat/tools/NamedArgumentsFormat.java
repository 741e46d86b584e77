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
 * The families that write the name in the marker and the arguments object after it:
 * {@code START NAME NAME_END [BEFORE] {...} END}. Instances for Functionary v3.1
 * ({@code <function=NAME>{...}</function>}), Mistral Small 3.2 / Devstral / Ministral 3
 * ({@code [TOOL_CALLS]NAME[ARGS]{...}}) and DeepSeek R1
 * ({@code <｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{...}\n```<｜tool▁call▁end｜>},
 * grouped in {@code <｜tool▁calls▁begin｜>...<｜tool▁calls▁end｜>}). Immutable.
 */
public final class NamedArgumentsFormat implements ToolCallFormat {

    static final String DEEPSEEK_CALLS_BEGIN = "<｜tool▁calls▁begin｜>";
    static final String DEEPSEEK_CALLS_END = "<｜tool▁calls▁end｜>";

    /** Functionary v3.1 (Llama 3.1 based). */
    public static final NamedArgumentsFormat FUNCTIONARY_V3_1 = new NamedArgumentsFormat("functionary-v3.1",
            "<function=", ">", "", "</function>", null, null, null, ToolCallIds::random);
    /**
     * Mistral Small 3.2, Devstral, Ministral 3: {@code [TOOL_CALLS]NAME[ARGS]{...}}, one marker per
     * call; Small 3.2 writes {@code [CALL_ID]} and nine alphanumerics before {@code [ARGS]}.
     */
    public static final NamedArgumentsFormat MISTRAL_ARGS = new NamedArgumentsFormat("mistral-args",
            "[TOOL_CALLS]", "[ARGS]", "", "", null, null, "[CALL_ID]", ToolCallIds::randomNine);
    /** DeepSeek R1 (llama.cpp's fixed template) and V3. */
    public static final NamedArgumentsFormat DEEPSEEK_R1 = new NamedArgumentsFormat("deepseek-r1",
            "<｜tool▁call▁begin｜>function<｜tool▁sep｜>", "\n", "```json\n", "```<｜tool▁call▁end｜>",
            DEEPSEEK_CALLS_BEGIN, DEEPSEEK_CALLS_END, null, ToolCallIds::random);

    private final String name;
    private final String start;
    private final String nameEnd;
    private final String beforeJson;
    private final String end;
    private final String groupBegin;
    private final String groupEnd;
    private final String callIdMarker;
    private final Supplier<Supplier<String>> defaultIds;
    private final CallSyntax syntax;

    private NamedArgumentsFormat(String name, String start, String nameEnd, String beforeJson, String end, String groupBegin,
            String groupEnd, String callIdMarker, Supplier<Supplier<String>> defaultIds) {
        this.name = name;
        this.start = start;
        this.nameEnd = nameEnd;
        this.beforeJson = beforeJson;
        this.end = end;
        this.groupBegin = groupBegin;
        this.groupEnd = groupEnd;
        this.callIdMarker = callIdMarker;
        this.defaultIds = defaultIds;
        List<String> dropped = groupBegin == null ? List.of() : List.of(groupBegin, groupEnd);
        this.syntax = new CallSyntax(List.of(Start.anywhere(start)), dropped, nameEnd, beforeJson,
                new CallBody.ArgumentsObject(callIdMarker), end, false);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> markers() {
        List<String> markers = new ArrayList<>(List.of(start));
        if (!end.isEmpty()) {
            markers.add(end);
        }
        if (groupBegin != null) {
            markers.add(groupBegin);
            markers.add(groupEnd);
        }
        return markers;
    }

    @Override
    public Constraint constraint(List<ToolSpec> tools, ToolChoice choice, boolean parallel, GrammarRules rules) {
        if (choice instanceof ToolChoice.None) {
            return null;
        }
        GrammarWriter g = new GrammarWriter(rules);
        List<ToolSpec> allowed = GrammarWriter.allowed(tools, choice);
        Map<String, String> args = g.argumentRules(allowed);
        String w = g.ws();
        List<String> alternatives = new ArrayList<>();
        for (ToolSpec tool : allowed) {
            String before = beforeJson.isEmpty() ? "" : " " + w + " " + GrammarWriter.literal(beforeJson);
            String after = end.isEmpty() ? "" : " " + w + " " + GrammarWriter.literal(end);
            // The model may write the id it was trained to see in the history; ours is what clients get.
            String id = callIdMarker == null ? "" : " (" + GrammarWriter.literal(callIdMarker) + " [a-zA-Z0-9]{9})?";
            alternatives.add(GrammarWriter.literal(tool.name()) + id + " " + GrammarWriter.literal(nameEnd) + before + " "
                    + args.get(tool.name()) + after);
        }
        String afterMarker = g.rule("tool-call-region", String.join(" | ", alternatives));
        if (groupBegin == null) {
            return g.markedCalls(choice, parallel, start, afterMarker);
        }
        // The group's closing marker follows the last call; the opening one comes before the first.
        String more = parallel ? " (" + w + " " + GrammarWriter.literal(start) + " " + afterMarker + ")*" : "";
        String tail = more + " " + w + " " + GrammarWriter.literal(groupEnd);
        if (choice instanceof ToolChoice.Auto) {
            return g.constraint(g.rule("root", afterMarker + tail), List.of(start));
        }
        return g.constraint(g.rule("root", GrammarWriter.literal(groupBegin) + " " + GrammarWriter.literal(start) + " "
                + afterMarker + tail), List.of());
    }

    @Override
    public ToolCallParser newParser(List<ToolSpec> tools, Supplier<String> ids) {
        return new MarkerToolCallParser(syntax, ToolCallFormat.names(tools), ids);
    }

    @Override
    public ToolCallParser newParser(List<ToolSpec> tools) {
        return newParser(tools, defaultIds.get());
    }
}
