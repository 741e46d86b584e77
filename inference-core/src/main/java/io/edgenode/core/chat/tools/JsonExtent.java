package io.edgenode.core.chat.tools;

/**
 * Confined to the thread of the parser that owns it: finds where a JSON object or array ends, one
 * character at a time, without parsing it (nesting depth, and whether it is inside a string or just
 * after a backslash). It decides only the extent; whether the text is valid JSON is checked once, on
 * the whole value, when it is complete.
 */
final class JsonExtent {

    enum Step { MORE, DONE, FAIL }

    private final boolean objectOnly;
    private int depth;
    private boolean inString;
    private boolean escaped;

    /** @param objectOnly whether the value must be an object (an array is refused at its first char) */
    JsonExtent(boolean objectOnly) {
        this.objectOnly = objectOnly;
    }

    /** Whether the value has begun (its first bracket was seen). */
    boolean started() {
        return depth > 0;
    }

    /**
     * Takes the next character: {@code DONE} when it closed the value, {@code FAIL} when no JSON
     * object/array can begin here (leading whitespace is skipped by the caller's choice: it is
     * allowed and not counted).
     */
    Step accept(char c) {
        if (depth == 0) {
            if (c == '{' || (c == '[' && !objectOnly)) {
                depth = 1;
                return Step.MORE;
            }
            return Character.isWhitespace(c) ? Step.MORE : Step.FAIL;
        }
        if (inString) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                inString = false;
            }
            return Step.MORE;
        }
        switch (c) {
            case '"' -> inString = true;
            case '{', '[' -> depth++;
            case '}', ']' -> {
                if (--depth == 0) {
                    return Step.DONE;
                }
            }
            default -> { }
        }
        return Step.MORE;
    }
}
