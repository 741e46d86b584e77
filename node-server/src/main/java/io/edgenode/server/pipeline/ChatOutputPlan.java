package io.edgenode.server.pipeline;

import io.edgenode.core.chat.ChatMessage;
import io.edgenode.core.chat.tools.ToolCallParser;
import io.edgenode.core.engine.Constraint;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a chat request's tools and {@code response_format} make of one model's turns: how a
 * conversation renders (with the tools in the model's format), the grammar the output must follow
 * (null: free), and the parser that reads tool calls back (null: the output is plain content).
 * Immutable and thread-safe.
 */
public record ChatOutputPlan(Renderer renderer, Constraint constraint, Supplier<ToolCallParser> parser) {
    public ChatOutputPlan {
        Objects.requireNonNull(renderer, "renderer");
    }

    /** Renders a conversation into prompt text; thread-safe. */
    @FunctionalInterface
    public interface Renderer {
        /** @throws io.edgenode.core.chat.ChatTemplateException when the template refuses the conversation */
        String render(List<ChatMessage> messages, boolean addGenerationPrompt);
    }
}
