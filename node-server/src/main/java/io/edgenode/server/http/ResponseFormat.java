package io.edgenode.server.http;

import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.Usage;

/**
 * How one endpoint's output is encoded (chat completions or text completions), for the streamed
 * and the whole-response forms. Implementations are immutable: one per request (id, model).
 */
interface ResponseFormat {
    /** SSE events sent before the first text (chat: the role chunk); may be empty. */
    byte[] streamStart();

    /** One SSE event carrying {@code text}. */
    byte[] streamDelta(String text);

    /** The SSE event with the finish reason. */
    byte[] streamFinish(FinishReason reason);

    /** The usage SSE event. */
    byte[] streamUsage(Usage usage);

    /** The non-streaming response body. */
    byte[] whole(String text, FinishReason reason, Usage usage);
}
