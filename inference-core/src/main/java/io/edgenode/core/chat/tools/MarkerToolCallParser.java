package io.edgenode.core.chat.tools;

import io.edgenode.core.chat.ToolCall;
import io.edgenode.core.chat.tools.CallBody.BodyException;
import io.edgenode.core.chat.tools.CallBody.Decoded;
import io.edgenode.core.chat.tools.CallBody.RawCall;
import io.edgenode.core.chat.tools.CallSyntax.Start;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Confined to the thread that feeds it: the {@link ToolCallParser} of every marker-based family,
 * driven by the family's {@link CallSyntax}.
 *
 * <p>Outside a call, text is content except a tail that could still become a start marker (held,
 * at most one marker long) and trailing whitespace (held: whitespace right before a call, or after
 * the last one, is layout, not content). Inside a call region each character is read once by a
 * small state machine ({@code NAME}, {@code BEFORE_JSON}, {@code JSON}, {@code END}); the JSON's
 * extent is tracked by {@link JsonExtent} and the value parsed once, when complete. So the work is
 * linear in the output. A region that fails (bad JSON, unknown function, wrong closing marker,
 * output ending inside it) becomes content as written, and is not searched again for markers.
 */
final class MarkerToolCallParser implements ToolCallParser {

    private enum Phase { CONTENT, NAME, BEFORE_JSON, JSON, END, PYTHON, RAW }

    /** A name past this is not a function name: give the region up rather than buffer on. */
    private static final int MAX_NAME = 256;

    private final CallSyntax syntax;
    private final Set<String> toolNames;
    private final Supplier<String> ids;
    private final int longestMarker;

    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder heldSpace = new StringBuilder();
    private final StringBuilder content = new StringBuilder();
    private final List<ToolCall> calls = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private boolean outputStarted;

    private Phase phase = Phase.CONTENT;
    private final StringBuilder region = new StringBuilder();
    private final StringBuilder name = new StringBuilder();
    private final StringBuilder json = new StringBuilder();
    private JsonExtent extent;
    private Start opened;
    /** Whether the region's marker came from the prompt (so it is not the model's text to hand back). */
    private boolean openedByPrefill;
    private boolean prefilling;
    private int literalPos;
    private int regionAtJsonEnd;

    private List<ToolCallDelta> out = new ArrayList<>();

    /**
     * @param toolNames the functions a call may name; empty accepts any name
     * @param ids       the ids given to calls, in order
     */
    MarkerToolCallParser(CallSyntax syntax, Set<String> toolNames, Supplier<String> ids) {
        this.syntax = Objects.requireNonNull(syntax, "syntax");
        this.toolNames = Set.copyOf(toolNames);
        this.ids = Objects.requireNonNull(ids, "ids");
        int longest = 0;
        for (Start s : syntax.starts()) {
            longest = Math.max(longest, s.marker().length());
        }
        for (String d : syntax.dropped()) {
            longest = Math.max(longest, d.length());
        }
        this.longestMarker = longest;
        if (syntax.prefill() != null) {
            prefilling = true;
            process(syntax.prefill());
            prefilling = false;
        }
    }

    @Override
    public List<ToolCallDelta> feed(String text) {
        Objects.requireNonNull(text, "text");
        out = new ArrayList<>();
        process(text);
        return out;
    }

    @Override
    public List<ToolCallDelta> finish() {
        out = new ArrayList<>();
        if (phase == Phase.END && syntax.endOptional()) {
            process(completeBeforeEnd(""));
        } else if (phase == Phase.PYTHON) {
            completePython();
        } else if (phase != Phase.CONTENT) {
            fail("output ended inside a tool call", "");
        }
        emitContent(pending);
        pending.setLength(0);
        // Whitespace after the last call is layout; after plain content it is the model's text.
        if (calls.isEmpty() && !content.isEmpty() && !heldSpace.isEmpty()) {
            content.append(heldSpace);
            out.add(new ToolCallDelta.Content(heldSpace.toString()));
        }
        heldSpace.setLength(0);
        return out;
    }

    @Override
    public ParsedMessage result() {
        return new ParsedMessage(content.isEmpty() ? null : content.toString(), calls, failures);
    }

    private void process(String text) {
        String rest = text;
        while (!rest.isEmpty()) {
            rest = phase == Phase.CONTENT ? scanContent(rest) : scanRegion(rest);
        }
    }

    /** Content until a marker; returns the text after a start marker (to read as a region), else "". */
    private String scanContent(String text) {
        pending.append(text);
        while (true) {
            int at = -1;
            Start start = null;
            String dropped = null;
            for (Start s : syntax.starts()) {
                int i = pending.indexOf(s.marker());
                if (i >= 0 && (at < 0 || i < at) && (!s.atStartOnly() || (!outputStarted && isBlank(pending, i)))) {
                    at = i;
                    start = s;
                    dropped = null;
                }
            }
            for (String d : syntax.dropped()) {
                int i = pending.indexOf(d);
                if (i >= 0 && (at < 0 || i < at)) {
                    at = i;
                    start = null;
                    dropped = d;
                }
            }
            if (at < 0) {
                int hold = heldPrefix();
                emitContent(pending.subSequence(0, pending.length() - hold));
                pending.delete(0, pending.length() - hold);
                return "";
            }
            emitContent(pending.subSequence(0, at));
            if (dropped != null) {
                pending.delete(0, at + dropped.length());
                continue;
            }
            String rest = pending.substring(at + start.marker().length());
            pending.setLength(0);
            openRegion(start);
            return rest;
        }
    }

    /** How many trailing characters of {@code pending} could still grow into a marker. */
    private int heldPrefix() {
        for (int k = Math.min(longestMarker - 1, pending.length()); k > 0; k--) {
            String tail = pending.substring(pending.length() - k);
            for (Start s : syntax.starts()) {
                if (s.marker().startsWith(tail) && (!s.atStartOnly() || (!outputStarted && isBlank(pending, pending.length() - k)))) {
                    return k;
                }
            }
            for (String d : syntax.dropped()) {
                if (d.startsWith(tail)) {
                    return k;
                }
            }
        }
        return 0;
    }

    private void openRegion(Start start) {
        region.setLength(0);
        name.setLength(0);
        json.setLength(0);
        region.append(start.marker());
        opened = start;
        openedByPrefill = prefilling;
        extent = new JsonExtent(syntax.body().objectOnly());
        literalPos = 0;
        phase = syntax.body().raw() ? Phase.RAW
                : syntax.nameEnd() != null ? Phase.NAME : syntax.beforeJson().isEmpty() ? Phase.JSON : Phase.BEFORE_JSON;
        if (start.inJson()) {
            for (int i = 0; i < start.marker().length(); i++) {
                json.append(start.marker().charAt(i));
                extent.accept(start.marker().charAt(i));
            }
        }
    }

    /** Reads region characters; returns the text after the region once it ended, else "". */
    private String scanRegion(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            region.append(c);
            switch (phase) {
                case NAME -> {
                    name.append(c);
                    String nameEnd = syntax.nameEnd();
                    if (endsWith(name, nameEnd)) {
                        name.setLength(name.length() - nameEnd.length());
                        if (name.toString().strip().equals(syntax.contentName())) {
                            phase = Phase.CONTENT; // ">>>all\n": the marker is layout, content follows
                            region.setLength(0);
                            return text.substring(i + 1);
                        }
                        phase = syntax.beforeJson().isEmpty() ? Phase.JSON : Phase.BEFORE_JSON;
                    } else if (name.length() > MAX_NAME) {
                        return fail("no end of the function name (" + nameEnd + ")", text.substring(i + 1));
                    }
                }
                case BEFORE_JSON -> {
                    String literal = syntax.beforeJson();
                    if (literalPos == 0 && Character.isWhitespace(c) && !Character.isWhitespace(literal.charAt(0))) {
                        continue;
                    }
                    if (c != literal.charAt(literalPos)) {
                        return fail("expected " + literal + " before the arguments", text.substring(i + 1));
                    }
                    if (++literalPos == literal.length()) {
                        phase = Phase.JSON;
                        literalPos = 0;
                    }
                }
                case JSON -> {
                    json.append(c);
                    switch (extent.accept(c)) {
                        case FAIL -> {
                            if (opened.pythonTag()) {
                                phase = Phase.PYTHON; // the rest of the output is the call
                                continue;
                            }
                            return fail("no JSON where the call's JSON belongs", text.substring(i + 1));
                        }
                        case DONE -> {
                            if (syntax.end().isEmpty()) {
                                return complete(text.substring(i + 1));
                            }
                            phase = Phase.END;
                            regionAtJsonEnd = region.length();
                            literalPos = 0;
                        }
                        case MORE -> { }
                    }
                }
                case END -> {
                    String end = syntax.end();
                    if (literalPos == 0 && Character.isWhitespace(c)) {
                        continue;
                    }
                    if (c == end.charAt(literalPos)) {
                        if (++literalPos == end.length()) {
                            return complete(text.substring(i + 1));
                        }
                    } else if (syntax.endOptional()) {
                        return completeBeforeEnd(text.substring(i + 1));
                    } else {
                        return fail("expected " + end + " after the call", text.substring(i + 1));
                    }
                }
                case PYTHON -> json.append(c);
                case RAW -> {
                    json.append(c);
                    if (endsWith(json, syntax.end())) {
                        json.setLength(json.length() - syntax.end().length());
                        return complete(text.substring(i + 1));
                    }
                }
                case CONTENT -> throw new IllegalStateException("region read in content phase");
            }
        }
        return "";
    }

    /** Ends a region whose closing marker is optional and absent: what followed the JSON is content again. */
    private String completeBeforeEnd(String rest) {
        String handedBack = region.substring(regionAtJsonEnd);
        region.setLength(regionAtJsonEnd);
        return handedBack + complete(rest);
    }

    private String complete(String rest) {
        Decoded decoded;
        try {
            decoded = syntax.body().decode(json.toString(), syntax.nameEnd() == null ? null : name.toString().strip());
        } catch (BodyException | IOException e) {
            return fail("malformed tool call: " + e.getMessage(), rest);
        }
        return accept(decoded, rest);
    }

    /** Takes a decoded region's calls (or gives the region up if one names an unknown function). */
    private String accept(Decoded decoded, String rest) {
        for (RawCall call : decoded.calls()) {
            if (!toolNames.isEmpty() && !toolNames.contains(call.name())) {
                return fail("call of unknown function '" + call.name() + "'", rest);
            }
        }
        phase = Phase.CONTENT;
        heldSpace.setLength(0);
        for (RawCall call : decoded.calls()) {
            int index = calls.size();
            String id = ids.get();
            calls.add(new ToolCall(id, call.name(), call.arguments()));
            out.add(new ToolCallDelta.CallStart(index, id, call.name()));
            out.add(new ToolCallDelta.Arguments(index, call.arguments()));
        }
        if (decoded.content() != null) {
            emitContent(decoded.content());
        }
        outputStarted = true;
        return rest;
    }

    private void completePython() {
        RawCall call;
        try {
            call = PythonTagCall.read(json.toString(), toolNames);
        } catch (BodyException e) {
            fail("malformed <|python_tag|> call: " + e.getMessage(), "");
            return;
        }
        accept(new Decoded(List.of(call), null), "");
    }

    /** Gives a region up: its text is content, as written. */
    private String fail(String reason, String rest) {
        failures.add(reason);
        phase = Phase.CONTENT;
        String text = openedByPrefill ? region.substring(opened.marker().length()) : region.toString();
        region.setLength(0);
        emitContent(text);
        outputStarted = true;
        return rest;
    }

    /** Decided content; its trailing whitespace is held until more content follows it. */
    private void emitContent(CharSequence text) {
        int last = text.length() - 1;
        while (last >= 0 && Character.isWhitespace(text.charAt(last))) {
            last--;
        }
        if (last < 0) {
            heldSpace.append(text);
            return;
        }
        String decided = heldSpace + text.subSequence(0, last + 1).toString();
        heldSpace.setLength(0);
        heldSpace.append(text, last + 1, text.length());
        content.append(decided);
        out.add(new ToolCallDelta.Content(decided));
        outputStarted = true;
    }

    private static boolean isBlank(CharSequence s, int end) {
        for (int i = 0; i < end; i++) {
            if (!Character.isWhitespace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean endsWith(CharSequence s, String suffix) {
        int n = s.length();
        int m = suffix.length();
        if (n < m) {
            return false;
        }
        for (int i = 0; i < m; i++) {
            if (s.charAt(n - m + i) != suffix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
