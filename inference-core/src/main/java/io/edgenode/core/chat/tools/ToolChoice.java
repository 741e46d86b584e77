package io.edgenode.core.chat.tools;

import java.util.Objects;

/** OpenAI's {@code tool_choice}: whether the model may, must, or must not call a tool, or which one. */
public sealed interface ToolChoice {
    /** {@code "none"}: no call; the tools are still shown to the model. */
    record None() implements ToolChoice {}

    /** {@code "auto"}: the model decides; a call, once started, is forced by the grammar. */
    record Auto() implements ToolChoice {}

    /** {@code "required"}: at least one call, forced from the first token. */
    record Required() implements ToolChoice {}

    /** {@code {"type":"function","function":{"name":...}}}: exactly that function, forced. */
    record Named(String name) implements ToolChoice {
        public Named {
            Objects.requireNonNull(name, "name");
        }
    }

    ToolChoice NONE = new None();
    ToolChoice AUTO = new Auto();
    ToolChoice REQUIRED = new Required();
}
