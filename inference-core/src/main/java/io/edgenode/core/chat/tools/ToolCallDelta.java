package io.edgenode.core.chat.tools;

import java.util.Objects;

/**
 * One step of a streamed assistant message, as a {@link ToolCallParser} decides it: text for the
 * {@code content}, the start of call {@code index}, or a piece of that call's arguments. The pieces
 * concatenate to exactly what {@link ToolCallParser#result()} holds.
 */
public sealed interface ToolCallDelta {

    /** Text of the message's content. */
    record Content(String text) implements ToolCallDelta {
        public Content {
            Objects.requireNonNull(text, "text");
        }
    }

    /** Call {@code index} (0, 1, ... in order) begins: its id and function name. */
    record CallStart(int index, String id, String name) implements ToolCallDelta {
        public CallStart {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
        }
    }

    /** The next piece of call {@code index}'s arguments (JSON text). */
    record Arguments(int index, String fragment) implements ToolCallDelta {
        public Arguments {
            Objects.requireNonNull(fragment, "fragment");
        }
    }
}
