package io.edgenode.server.pipeline;

import io.edgenode.core.chat.tools.ToolCallParser;
import io.edgenode.core.engine.Constraint;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a chat request's tools and {@code response_format} make of one model's turn: the prompt
 * text, the grammar the output must follow (null: free), and the parser that reads tool calls back
 * (null: the output is plain content). Immutable.
 */
public record ChatOutputPlan(String prompt, Constraint constraint, Supplier<ToolCallParser> parser) {
    public ChatOutputPlan {
        Objects.requireNonNull(prompt, "prompt");
    }
}
