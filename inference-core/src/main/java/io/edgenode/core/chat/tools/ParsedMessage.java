package io.edgenode.core.chat.tools;

import io.edgenode.core.chat.ToolCall;
import java.util.List;

/**
 * An assistant message as parsed from the model's output.
 *
 * @param content   the text that is not a tool call, or null when there is none
 * @param toolCalls the calls, in order
 * @param failures  why text that looked like a call was kept as content (for logging; empty when
 *                  everything parsed)
 */
public record ParsedMessage(String content, List<ToolCall> toolCalls, List<String> failures) {
    public ParsedMessage {
        toolCalls = List.copyOf(toolCalls);
        failures = List.copyOf(failures);
    }
}
