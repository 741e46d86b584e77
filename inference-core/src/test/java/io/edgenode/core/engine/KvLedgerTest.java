package io.edgenode.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The KV-cell ledger's model of llama.cpp's unified cache: shared prefixes once, new cells per token. */
class KvLedgerTest {
    private static long arrivals;

    private static Sequence in(SlotTable slots, int slot, int computed) {
        GenerationRequest r = GenerationRequest.greedy("r" + arrivals, IntStream.range(0, 500).toArray(), 8,
                GenerationListener.discarding());
        Sequence s = new Sequence(r, ++arrivals, 0);
        slots.assign(slot, s);
        s.numComputed = computed;
        return s;
    }

    @Test
    void shouldCountCellsSharedThroughSeqCpOnceAndTokensAfterTheCopyAsTheirOwn() {
        SlotTable slots = new SlotTable(2);
        KvLedger ledger = new KvLedger(1000, slots);
        Sequence a = in(slots, 0, 100);
        ledger.fresh(0, 0);
        assertEquals(100, ledger.used());

        Sequence b = in(slots, 1, 100);
        ledger.copy(0, 1, 100);
        assertEquals(100, ledger.used(), "the copy adds a sequence id to a's cells, no new cell");

        b.numComputed = 150;
        a.numComputed = 130;
        // Each computed its own tokens after the shared 100: 100 + 30 + 50, not max(130, 150).
        assertEquals(180, ledger.used());
        assertEquals(820, ledger.free());
        assertEquals(30, ledger.freedByClearing(0), "only a's own cells; the shared ones stay for b");
        assertEquals(50, ledger.freedByClearing(1));
        assertEquals(50, ledger.freedByTruncating(1, 90), "below the copy point the cells are shared");
        assertEquals(ledger.free() + 30, ledger.freeIf(-1, 0, slot -> slot == 0));
        assertEquals(ledger.free() + 180, ledger.freeIf(-1, 0, slot -> true), "clearing both frees the shared ones too");

        slots.release(0);
        ledger.clear(0);
        slots.forget(0);
        assertEquals(150, ledger.used(), "b keeps the cells it shared");
    }

    @Test
    void shouldFreeOnlyTheTailATruncationRemoves() {
        SlotTable slots = new SlotTable(1);
        KvLedger ledger = new KvLedger(100, slots);
        Sequence a = in(slots, 0, 80);
        ledger.fresh(0, 0);
        slots.release(0);
        assertEquals(30, ledger.freedByTruncating(0, 50));

        Sequence next = in(slots, 0, 50); // a new owner keeps 50 and writes from there
        ledger.fresh(0, 50);
        next.numComputed = 60;
        assertEquals(60, ledger.used());
        assertEquals(80, a.numComputed);
    }
}
