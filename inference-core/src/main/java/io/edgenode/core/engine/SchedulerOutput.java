package io.edgenode.core.engine;

import java.util.List;

/**
 * The plan for one step: which sequences feed how many tokens. Decode sequences come first (one
 * token each), then prompt chunks. {@code batchTokens} is the sum of the chunks.
 */
record SchedulerOutput(List<Chunk> chunks, int batchTokens) {
    /** {@code count} tokens of {@code sequence}, starting at its {@code numComputed}. */
    record Chunk(Sequence sequence, int count) {
        /** Whether this chunk reaches the end of what the sequence owes, so its last row needs logits. */
        boolean completes() {
            return sequence.numComputed + count == sequence.length();
        }
    }

    boolean isEmpty() {
        return chunks.isEmpty();
    }
}
