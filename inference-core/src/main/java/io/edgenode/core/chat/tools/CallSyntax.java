package io.edgenode.core.chat.tools;

import java.util.List;
import java.util.Objects;

/**
 * How one family writes a call region, in the order the parser reads it:
 *
 * <pre>
 * start  [name nameEnd]  [beforeJson]  JSON  [end]
 * </pre>
 *
 * @param starts      what may open a call region (one of them)
 * @param dropped     wrapper markers around a group of calls, neither content nor a call (DeepSeek's
 *                    {@code <｜tool▁calls▁begin｜>}); empty for most families
 * @param nameEnd     when the name is written before the JSON, the literal that ends it
 *                    ({@code ">"} in {@code <function=NAME>}); null when the name is inside the JSON
 * @param beforeJson  a literal between the name and the JSON, after optional whitespace ("" for none)
 * @param body        what the JSON holds
 * @param end         the literal that closes the region, after optional whitespace ("" for none)
 * @param endOptional whether the region may end without {@code end} (Mistral's array needs none)
 * @param contentName a "name" that opens plain content instead of a call (Functionary v3.2's
 *                    {@code >>>all\n}); null for none
 * @param prefill     a start marker the prompt already ends with, read as if generated (Functionary
 *                    v3.2's generation prompt ends with {@code >>>}); null for none
 */
record CallSyntax(List<Start> starts, List<String> dropped, String nameEnd, String beforeJson, CallBody body,
        String end, boolean endOptional, String contentName, String prefill) {

    /** A syntax without content names or prefill. */
    CallSyntax(List<Start> starts, List<String> dropped, String nameEnd, String beforeJson, CallBody body, String end,
            boolean endOptional) {
        this(starts, dropped, nameEnd, beforeJson, body, end, endOptional, null, null);
    }

    /**
     * One way a region opens.
     *
     * @param marker      the text (never empty)
     * @param inJson      whether the marker is the first character(s) of the JSON itself (Llama 3's
     *                    bare {@code {"name": ...}}) rather than text before it
     * @param atStartOnly whether it opens a region only at the start of the output (whitespace aside):
     *                    a bare-JSON format would otherwise take any JSON in an answer for a call
     * @param pythonTag   whether, when no JSON follows, the rest of the output is one call read by
     *                    {@link PythonTagCall} (Llama 3.1's built-in tools and code interpreter)
     */
    record Start(String marker, boolean inJson, boolean atStartOnly, boolean pythonTag) {
        Start {
            if (marker.isEmpty()) {
                throw new IllegalArgumentException("empty start marker");
            }
        }

        static Start anywhere(String marker) {
            return new Start(marker, false, false, false);
        }

        /** A marker that opens JSON at the very start of the output (and only there). */
        static Start bareJson() {
            return new Start("{", true, true, false);
        }
    }

    CallSyntax {
        starts = List.copyOf(starts);
        dropped = List.copyOf(dropped);
        Objects.requireNonNull(beforeJson, "beforeJson");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(end, "end");
        if (starts.isEmpty()) {
            throw new IllegalArgumentException("no start marker");
        }
    }

    /** {@code start JSON end}, with the name inside the JSON. */
    static CallSyntax tagged(String start, CallBody body, String end) {
        return new CallSyntax(List.of(Start.anywhere(start)), List.of(), null, "", body, end, false);
    }
}
