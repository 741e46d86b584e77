package io.edgenode.core.chat.tools;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.edgenode.core.chat.ToolSpec;
import io.edgenode.core.chat.tools.CallSyntax.Start;
import io.edgenode.core.engine.Constraint;
import io.edgenode.core.grammar.GrammarRules;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A format read off a template's own rendering of a call, for templates no named family matches
 * (llama.cpp's automatic parser generation, in its simplest JSON cases):
 *
 * <ul>
 *   <li>{@code START {"NAME_KEY": NAME, "ARGS_KEY": {...}} END} or the same objects in an array;
 *   <li>{@code START NAME NAME_END {...} END}, the name before the arguments object.
 * </ul>
 *
 * A layout is kept only when the parser it gives reads the template's one-call rendering back as
 * that call, and the markers hold no call id (which would differ per call); parallel calls are
 * allowed only when the two-call rendering reads back as two calls. XML-style arguments
 * ({@code <parameter=...>}) are not derived. Immutable.
 */
public final class DerivedFormat implements ToolCallFormat {

    private final CallSyntax syntax;
    private final String start;
    private final String nameKey;
    private final String argumentsKey;
    private final boolean array;
    private final boolean parallelOk;

    private DerivedFormat(CallSyntax syntax, String start, String nameKey, String argumentsKey, boolean array, boolean parallelOk) {
        this.syntax = syntax;
        this.start = start;
        this.nameKey = nameKey;
        this.argumentsKey = argumentsKey;
        this.array = array;
        this.parallelOk = parallelOk;
    }

    /** The layout {@code oneCall} shows, checked against {@code twoCalls}; null when none is derivable. */
    static DerivedFormat derive(String oneCall, String twoCalls) {
        DerivedFormat f = deriveFrom(oneCall);
        if (f == null || !readsBack(f, oneCall, 1)) {
            return null;
        }
        boolean parallel = !twoCalls.isEmpty() && readsBack(f, twoCalls, 2);
        return new DerivedFormat(f.syntax, f.start, f.nameKey, f.argumentsKey, f.array, parallel);
    }

    private static DerivedFormat deriveFrom(String text) {
        String name = ToolTemplateAnalysis.TOOL_NAME;
        int at = text.indexOf(name);
        if (at < 0 || text.contains(ToolTemplateAnalysis.CALL_ID)) {
            return null;
        }
        // Name inside a JSON object: find the object that holds it.
        for (int open = text.lastIndexOf('{', at); open >= 0; open = text.lastIndexOf('{', open - 1)) {
            String[] keys = callKeys(text, open);
            if (keys != null) {
                int end = Integer.parseInt(keys[2]);
                int before = skipBack(text, open);
                boolean array = before > 0 && text.charAt(before - 1) == '[';
                int startEnd = array ? before - 1 : open;
                int after = array ? text.indexOf(']', end) + 1 : end;
                if (after <= 0) {
                    return null;
                }
                String start = text.substring(0, startEnd).strip();
                String close = text.substring(after).strip();
                if (start.isEmpty()) {
                    return null; // bare JSON: only Llama 3 does that, and it has its own format
                }
                CallBody body = array ? new CallBody.CallArray(List.of(keys[0]), List.of(keys[1]))
                        : new CallBody.CallObject(List.of(keys[0]), List.of(keys[1]));
                CallSyntax syntax = new CallSyntax(List.of(Start.anywhere(start)), List.of(), null, "", body, close, close.isEmpty());
                return new DerivedFormat(syntax, start, keys[0], keys[1], array, false);
            }
        }
        // Name before the arguments object.
        int args = text.indexOf("{\"" + ToolTemplateAnalysis.ARGUMENT_KEY + "\"", at);
        if (args < 0) {
            return null;
        }
        String start = text.substring(0, at).strip();
        String nameEnd = text.substring(at + name.length(), args);
        int close = jsonEnd(text, args);
        if (start.isEmpty() || nameEnd.isEmpty() || close < 0) {
            return null;
        }
        String end = text.substring(close).strip();
        CallSyntax syntax = new CallSyntax(List.of(Start.anywhere(start)), List.of(), nameEnd, "", new CallBody.ArgumentsObject(null),
                end, end.isEmpty());
        return new DerivedFormat(syntax, start, null, null, false, false);
    }

    /** {nameKey, argumentsKey, end offset} when the object at {@code open} is a call of the probe, else null. */
    private static String[] callKeys(String text, int open) {
        try (JsonParser p = CallBody.JSON.createParser(text.substring(open))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String nameKey = null;
            String argumentsKey = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_STRING && p.getText().equals(ToolTemplateAnalysis.TOOL_NAME) && argumentsKey == null) {
                    nameKey = key;
                } else if (value == JsonToken.START_OBJECT && nameKey != null) {
                    argumentsKey = key;
                    p.skipChildren();
                } else {
                    p.skipChildren();
                }
            }
            if (nameKey == null || argumentsKey == null) {
                return null;
            }
            return new String[] {nameKey, argumentsKey, String.valueOf(open + p.currentLocation().getCharOffset())};
        } catch (IOException e) {
            return null;
        }
    }

    private static int jsonEnd(String text, int open) {
        JsonExtent extent = new JsonExtent(true);
        for (int i = open; i < text.length(); i++) {
            if (extent.accept(text.charAt(i)) == JsonExtent.Step.DONE) {
                return i + 1;
            }
        }
        return -1;
    }

    private static int skipBack(String text, int i) {
        while (i > 0 && Character.isWhitespace(text.charAt(i - 1))) {
            i--;
        }
        return i;
    }

    private static boolean readsBack(DerivedFormat f, String text, int calls) {
        ToolCallParser parser = f.newParser(List.of(ToolTemplateAnalysis.tool()), ToolCallIds.counting("probe"));
        parser.feed(text);
        parser.finish();
        ParsedMessage m = parser.result();
        return m.toolCalls().size() == calls && m.failures().isEmpty()
                && m.toolCalls().stream().allMatch(c -> c.name().equals(ToolTemplateAnalysis.TOOL_NAME));
    }

    @Override
    public String name() {
        return "derived";
    }

    /** The layout found, for logs: {@code start ... end}. */
    @Override
    public String toString() {
        return "DerivedFormat[" + start + " ... " + syntax.end() + (parallelOk ? ", parallel" : "") + "]";
    }

    @Override
    public List<String> markers() {
        return syntax.end().isEmpty() ? List.of(start) : List.of(start, syntax.end());
    }

    @Override
    public Constraint constraint(List<ToolSpec> tools, ToolChoice choice, boolean parallel, GrammarRules rules) {
        if (choice instanceof ToolChoice.None) {
            return null;
        }
        boolean many = parallel && parallelOk;
        GrammarWriter g = new GrammarWriter(rules);
        List<ToolSpec> allowed = GrammarWriter.allowed(tools, choice);
        String w = g.ws();
        String close = syntax.end().isEmpty() ? "" : " " + w + " " + GrammarWriter.literal(syntax.end());
        String afterMarker;
        if (nameKey != null) {
            String call = g.callObjects(allowed, nameKey, argumentsKey, "");
            afterMarker = array
                    ? w + " \"[\" " + w + " " + call + (many ? " (" + w + " \",\" " + w + " " + call + ")*" : "") + " " + w + " \"]\"" + close
                    : w + " " + call + close;
            many = many && !array;
        } else {
            Map<String, String> args = g.argumentRules(allowed);
            List<String> alternatives = new ArrayList<>();
            for (ToolSpec tool : allowed) {
                alternatives.add(GrammarWriter.literal(tool.name() + syntax.nameEnd()) + " " + args.get(tool.name()) + close);
            }
            afterMarker = String.join(" | ", alternatives);
        }
        return g.markedCalls(choice, many, start, g.rule("tool-call-region", afterMarker));
    }

    @Override
    public ToolCallParser newParser(List<ToolSpec> tools, Supplier<String> ids) {
        return new MarkerToolCallParser(syntax, ToolCallFormat.names(tools), ids);
    }
}
