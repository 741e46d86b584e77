package io.edgenode.core.chat.tools;

import java.util.List;

/**
 * One per response, confined to the thread that feeds it (not thread-safe): turns the response's
 * generated text, as it streams, into content and tool calls.
 *
 * <p>Work is linear in the output: each piece of text is looked at a bounded number of times, never
 * the whole text again per token. Text that may be the start of a marker is held back until it is
 * decided, and a call comes out once it is complete and valid, so that output which turns out
 * malformed can still go back to the content: the deltas never need taking back. Nothing here
 * throws on bad model output; it becomes content, and {@link ParsedMessage#failures()} says why.
 */
public interface ToolCallParser {

    /** Consumes the next piece of generated text and returns what it decided (possibly nothing). */
    List<ToolCallDelta> feed(String text);

    /** Ends the output: whatever is still held is decided (an unfinished call becomes content). */
    List<ToolCallDelta> finish();

    /** The message so far; complete after {@link #finish()}. */
    ParsedMessage result();
}
