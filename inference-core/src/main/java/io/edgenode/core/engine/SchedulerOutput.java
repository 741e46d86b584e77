package io.edgenode.core.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Created and consumed on the engine thread: the plan for one step, decided by the {@link
 * Scheduler} and executed by the decode loop in this order: {@code evictions} and {@code preemptions} ({@code seq_rm} of those slots), {@code
 * failures} (finished with ERROR), {@code admissions} ({@code seq_rm}, {@code seq_cp} or a
 * snapshot restore into the chosen slot), then one batch of {@code chunks}. The scheduler has
 * already updated the bookkeeping (queue, running list, slot table, ledger) to the state after
 * the plan; only the native side is left to do.
 *
 * @param batchTokens the sum of the chunks' counts
 */
record SchedulerOutput(
        List<Admission> admissions,
        List<Chunk> chunks,
        int batchTokens,
        List<Preemption> preemptions,
        List<Integer> evictions,
        List<Failure> failures) {

    /**
     * {@code sequence} gets {@code slot}, whose first {@code reuse} tokens' KV it reuses: kept in
     * the slot ({@code copyFrom} -1), copied from busy slot {@code copyFrom} ({@code seq_cp}), or
     * restored from the request's snapshot ({@code restore}; a refused snapshot leaves the slot
     * empty and the prompt is prefilled from 0).
     */
    record Admission(Sequence sequence, int slot, int reuse, int copyFrom, boolean restore) {}

    /** {@code count} tokens of {@code sequence}, starting at its {@code numComputed}. */
    record Chunk(Sequence sequence, int count) {
        /** Whether this chunk reaches the end of what the sequence owes, so its last row needs logits. */
        boolean completes() {
            return sequence.numComputed + count == sequence.length();
        }
    }

    /** {@code sequence} left {@code slot}: its KV is to be removed; it waits first in line, to be recomputed. */
    record Preemption(Sequence sequence, int slot) {}

    /**
     * {@code sequence} cannot be served (alone and still out of cells): to be finished with ERROR.
     * A running one (status RUNNING) keeps its slot until the loop finishes it; a waiting one was
     * taken out of the queue.
     */
    record Failure(Sequence sequence, String reason) {}

    static SchedulerOutput chunksOnly(List<Chunk> chunks) {
        int n = 0;
        for (Chunk c : chunks) {
            n += c.count();
        }
        return new SchedulerOutput(List.of(), chunks, n, List.of(), List.of(), List.of());
    }

    /** Nothing to decode this step (there may still be KV operations or failures to execute). */
    boolean isEmpty() {
        return chunks.isEmpty();
    }

    /**
     * The same batch with every prompt chunk of more than one token halved (decode tokens stay),
     * or null when none can shrink: what the decode loop retries when llama.cpp found no KV room
     * the ledger expected (llama-server halves {@code n_batch} and retries the same way).
     */
    SchedulerOutput halvePromptChunks() {
        List<Chunk> halved = new ArrayList<>(chunks.size());
        boolean shrunk = false;
        for (Chunk c : chunks) {
            if (c.count() > 1) {
                halved.add(new Chunk(c.sequence(), c.count() / 2));
                shrunk = true;
            } else {
                halved.add(c);
            }
        }
        return shrunk ? chunksOnly(halved) : null;
    }
}
