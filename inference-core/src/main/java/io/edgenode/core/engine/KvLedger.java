package io.edgenode.core.engine;

import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * Confined to the engine thread: how many cells of the unified KV cache the slots hold, so the
 * scheduler can check that a step fits before {@code llama_decode} is called. Pure bookkeeping (no
 * native calls): the decode loop performs the matching {@code llama_memory_seq_*} calls.
 *
 * <p>The model of llama.cpp's unified cache: every decoded token takes one fresh cell; {@code
 * seq_cp} adds a sequence id to existing cells (no new cell); {@code seq_rm} frees a cell only
 * when no sequence holds it any more. So cells are counted as a union, not per slot. Each slot's
 * cells are described as runs ("lineages"): a lineage is a block of cells written by one slot
 * from a start position on. A slot holds, for positions {@code 0..length-1} (its length comes from
 * the {@link SlotTable}), a list of lineages with their start positions: its own last one, and
 * before it the ones it copied from another slot. Invariants: a lineage grows only in the slot
 * that created it, while it is that slot's last run; every admission gives the slot a new lineage
 * at its reuse point, so tokens a slot computes after copying a prefix are never counted as the
 * source's. A lineage's cells are then {@code max(end over the slots that hold it) - start}.
 *
 * <p>What the model does not see: cell fragmentation (a snapshot restore needs contiguous cells)
 * and a context llama.cpp sized differently. That is why a step the ledger allows may still fail
 * with "no KV slot"; the decode loop then shrinks the batch and, failing that, asks the scheduler
 * to relieve the pressure.
 */
final class KvLedger {
    private final int capacity;
    private final SlotTable slots;
    private final long[][] lineage;
    private final int[][] start;
    private final int[] runs;
    private long nextLineage = 1;
    // Scratch for used(): one entry per (slot, run) that holds cells. Reused: no allocation per step.
    private long[] scratchLineage = new long[16];
    private int[] scratchStart = new int[16];
    private int[] scratchEnd = new int[16];

    KvLedger(int capacity, SlotTable slots) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.capacity = capacity;
        this.slots = slots;
        int n = slots.size();
        lineage = new long[n][4];
        start = new int[n][4];
        runs = new int[n];
    }

    int capacity() {
        return capacity;
    }

    /** Cells in use: the union of what every slot holds (shared prefixes counted once). */
    int used() {
        return used(-1, 0);
    }

    int free() {
        return capacity - used();
    }

    /** Cells that clearing {@code slot} would free (0 when all its cells are shared with others). */
    int freedByClearing(int slot) {
        return used() - used(slot, 0);
    }

    /** Cells that {@code seq_rm(slot, keep, -1)} would free. */
    int freedByTruncating(int slot, int keep) {
        return used() - used(slot, Math.max(0, keep));
    }

    /** Free cells if {@code slot} kept only {@code [0, keep)} and every slot in {@code cleared} held nothing. */
    int freeIf(int slot, int keep, IntPredicate cleared) {
        return capacity - used(slot, Math.max(0, keep), cleared);
    }

    /** {@code seq_rm(slot, -1, -1)}: the slot holds nothing. */
    void clear(int slot) {
        runs[slot] = 0;
    }

    /**
     * {@code seq_rm(slot, from, -1)} before the slot's new owner computes from {@code from} on:
     * it keeps its runs below {@code from} and writes new cells under a lineage of its own.
     */
    void fresh(int slot, int from) {
        int kept = 0;
        while (kept < runs[slot] && start[slot][kept] < from) {
            kept++;
        }
        runs[slot] = kept;
        push(slot, nextLineage++, from);
    }

    /** {@code seq_rm(dst)} then {@code seq_cp(src, dst, 0, n)}: dst shares src's first n cells, then writes its own. */
    void copy(int src, int dst, int n) {
        runs[dst] = 0;
        for (int i = 0; i < runs[src] && start[src][i] < n; i++) {
            push(dst, lineage[src][i], start[src][i]);
        }
        push(dst, nextLineage++, n);
    }

    private void push(int slot, long id, int from) {
        int n = runs[slot];
        if (n == lineage[slot].length) {
            lineage[slot] = Arrays.copyOf(lineage[slot], n * 2);
            start[slot] = Arrays.copyOf(start[slot], n * 2);
        }
        lineage[slot][n] = id;
        start[slot][n] = from;
        runs[slot] = n + 1;
    }

    /** The union of the cells of every slot, {@code capped} (-1: none) counted as holding at most {@code cap}. */
    private int used(int capped, int cap) {
        return used(capped, cap, null);
    }

    /** As {@link #used(int, int)}, with the slots in {@code cleared} (null: none) counted as empty. */
    private int used(int capped, int cap, IntPredicate cleared) {
        int n = 0;
        for (int slot = 0; slot < runs.length; slot++) {
            int length = slot == capped ? Math.min(cap, slots.cachedLength(slot)) : slots.cachedLength(slot);
            if (cleared != null && cleared.test(slot)) {
                length = 0;
            }
            if (length == 0) {
                continue;
            }
            if (runs[slot] == 0) {
                // Cells the ledger was not told about (bookkeeping out of step): counted as the slot's own.
                push(slot, nextLineage++, 0);
            }
            for (int i = 0; i < runs[slot]; i++) {
                int from = start[slot][i];
                int to = i + 1 < runs[slot] ? Math.min(length, start[slot][i + 1]) : length;
                if (to > from) {
                    if (n == scratchLineage.length) {
                        scratchLineage = Arrays.copyOf(scratchLineage, n * 2);
                        scratchStart = Arrays.copyOf(scratchStart, n * 2);
                        scratchEnd = Arrays.copyOf(scratchEnd, n * 2);
                    }
                    scratchLineage[n] = lineage[slot][i];
                    scratchStart[n] = from;
                    scratchEnd[n] = to;
                    n++;
                }
            }
        }
        // A handful of entries (slots x runs): quadratic is cheaper than any map.
        int total = 0;
        for (int i = 0; i < n; i++) {
            boolean first = true;
            int end = scratchEnd[i];
            for (int j = 0; j < n && first; j++) {
                if (scratchLineage[j] == scratchLineage[i]) {
                    if (j < i) {
                        first = false;
                    } else {
                        end = Math.max(end, scratchEnd[j]);
                    }
                }
            }
            if (first) {
                total += end - scratchStart[i];
            }
        }
        return total;
    }
}
