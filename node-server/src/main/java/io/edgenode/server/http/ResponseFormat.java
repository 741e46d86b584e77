package io.edgenode.server.http;

import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.TokenLogprobs;
import io.edgenode.core.engine.Usage;
import java.util.List;

/**
 * How one endpoint's output is encoded (chat completions or text completions), for the streamed
 * and the whole-response forms. One per request (id, model); most are immutable, and the tool-call
 * format, which parses as it goes, is confined to the one thread that encodes the response.
 */
interface ResponseFormat {
    /** SSE events sent before the first text (chat: the role chunk); may be empty. */
    byte[] streamStart();

    /** The SSE events carrying {@code text}: usually one, none while a tool-call parser holds it back. */
    byte[] streamDelta(String text);

    /**
     * The SSE events carrying {@code text} and the log probabilities of the tokens it came from (a
     * request that asked for them; empty when this text's tokens were reported earlier).
     */
    default byte[] streamDelta(String text, List<TokenLogprobs> logprobs) {
        return streamDelta(text);
    }

    /** The SSE event with the finish reason. */
    byte[] streamFinish(FinishReason reason);

    /** The usage SSE event. */
    byte[] streamUsage(Usage usage);

    /** The non-streaming response body. */
    byte[] whole(String text, FinishReason reason, Usage usage);

    /** The non-streaming response body with every token's log probabilities (a request that asked). */
    default byte[] whole(String text, FinishReason reason, Usage usage, List<TokenLogprobs> logprobs) {
        return whole(text, reason, usage);
    }
}
