package io.edgenode.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.llama.SamplingParams;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Admission, slot choice, idle-cache eviction and preemption, planned by the scheduler against the
 * KV ledger: no model, no native call. Each scenario has a contrast case that plans differently,
 * so a scheduler that ignored the cells (or the slots' contents) fails here.
 */
class SchedulerKvTest {
    private static final int BUDGET = 64;

    /** The scheduler and the state it plans over, driven the way the decode loop drives it, minus llama.cpp. */
    private static final class Loop {
        final FairQueue waiting = new FairQueue();
        final List<Sequence> running = new ArrayList<>();
        final SlotTable slots;
        final KvLedger ledger;
        final Scheduler scheduler = new Scheduler(BUDGET);
        private long arrivals;

        Loop(int parallel, int cells) {
            slots = new SlotTable(parallel);
            ledger = new KvLedger(cells, slots);
        }

        Sequence submit(String tenant, int[] prompt) {
            GenerationRequest r = new GenerationRequest("r" + arrivals, prompt, 1000, SamplingParams.greedy(),
                    List.of(), true, tenant, 0, GenerationListener.discarding());
            Sequence s = new Sequence(r, ++arrivals, 0);
            waiting.add(s);
            return s;
        }

        Sequence submit(int[] prompt) {
            return submit("", prompt);
        }

        Sequence submitWithSnapshot(int[] prompt, KvState snapshot) {
            GenerationRequest r = GenerationRequest.greedy("r" + arrivals, prompt, 1000,
                    GenerationListener.discarding()).withIgnoreEos(true).withKv(snapshot, true);
            Sequence s = new Sequence(r, ++arrivals, 0);
            waiting.add(s);
            return s;
        }

        /** Plans one step and plays what llama.cpp would do: every chunk decoded, a token sampled where it completes. */
        SchedulerOutput step() {
            SchedulerOutput out = scheduler.schedule(waiting, running, slots, ledger);
            for (SchedulerOutput.Failure f : out.failures()) {
                if (f.sequence().status == Sequence.Status.RUNNING) {
                    finish(f.sequence());
                }
            }
            for (SchedulerOutput.Chunk c : out.chunks()) {
                boolean completes = c.completes();
                c.sequence().numComputed += c.count();
                if (completes) {
                    c.sequence().appendToken(7);
                }
            }
            assertTrue(ledger.used() <= ledger.capacity(), "a plan never exceeds the cells: " + ledger.used());
            return out;
        }

        /** Steps until {@code s} has its whole prompt in the KV cache. */
        void prefill(Sequence s) {
            for (int i = 0; i < 100 && (s.status != Sequence.Status.RUNNING || s.isPrefilling()); i++) {
                step();
            }
            assertFalse(s.isPrefilling(), "prefilled: " + s);
        }

        void finish(Sequence s) {
            running.remove(s);
            slots.release(s.slot);
            s.slot = -1;
            s.status = Sequence.Status.FINISHED;
            scheduler.sequenceFinished();
        }

        /** Leaves {@code prompt}'s KV cached in an idle slot; returns that slot. */
        int cache(int[] prompt) {
            Sequence s = submit(prompt);
            prefill(s);
            int slot = s.slot;
            finish(s);
            assertEquals(prompt.length, slots.cachedLength(slot));
            return slot;
        }
    }

    private static int[] tokens(int from, int n) {
        return IntStream.range(from, from + n).toArray();
    }

    private static int[] concat(int[] a, int[] b) {
        return IntStream.concat(IntStream.of(a), IntStream.of(b)).toArray();
    }

    @Test
    void shouldAdmitIntoTheFreeSlotWithTheLongestCachedPrefix() {
        Loop loop = new Loop(3, 1000);
        int a40 = loop.cache(tokens(0, 40));
        int b = loop.cache(tokens(1000, 60));
        Sequence s = loop.submit(concat(tokens(1000, 50), tokens(5000, 10)));

        SchedulerOutput.Admission a = loop.step().admissions().getFirst();

        assertSame(s, a.sequence());
        assertEquals(b, a.slot(), "the slot that caches 50 of its tokens");
        assertEquals(50, a.reuse());
        assertEquals(-1, a.copyFrom());
        assertEquals(10, s.numComputed - 50, "only the new tokens were fed");

        Sequence other = loop.submit(tokens(9000, 20)); // contrast: shares nothing
        SchedulerOutput.Admission fresh = loop.step().admissions().getFirst();
        assertSame(other, fresh.sequence());
        assertEquals(0, fresh.reuse());
        assertTrue(fresh.slot() != b && fresh.slot() != a40, "an empty slot before a useful cache");
    }

    @Test
    void shouldCopyAPrefixFromABusySlotOnlyWhenItSharesSixteenMoreTokens() {
        Loop loop = new Loop(3, 1000);
        int[] system = tokens(0, 64);
        Sequence busy = loop.submit(system);
        loop.prefill(busy);
        Sequence b = loop.submit(concat(system, tokens(700, 6)));

        SchedulerOutput.Admission a = loop.step().admissions().getFirst();

        assertSame(b, a.sequence());
        assertEquals(busy.slot, a.copyFrom(), "seq_cp from the running sequence");
        assertEquals(64, a.reuse());
        // 64 shared cells once, plus the busy one's sampled token, plus b's 6 new tokens.
        assertEquals(64 + 1 + 6, loop.ledger.used(), "a copied prefix shares its cells");

        Sequence c = loop.submit(concat(tokens(0, 10), tokens(800, 30))); // contrast: only 10 shared
        SchedulerOutput.Admission noCopy = loop.step().admissions().getFirst();
        assertSame(c, noCopy.sequence());
        assertEquals(-1, noCopy.copyFrom(), "10 shared tokens are not worth a copy");
        assertEquals(0, noCopy.reuse());
    }

    @Test
    void shouldDropTheLeastRecentlyUsedIdleCacheWhenCellsRunShort() {
        for (int cells : new int[] {100, 200}) {
            Loop loop = new Loop(4, cells);
            int older = loop.cache(tokens(0, 30));
            int newer = loop.cache(tokens(1000, 30));
            Sequence r = loop.submit(tokens(2000, 20));
            loop.prefill(r); // 30 + 30 + 20 cells used
            Sequence n = loop.submit(tokens(3000, 30)); // needs 30 cells, plus r's decode token

            SchedulerOutput out = loop.step();

            assertSame(n, out.admissions().getFirst().sequence(), cells + " cells");
            if (cells == 100) {
                assertEquals(List.of(older), out.evictions(), "the least recently used idle cache goes");
                assertEquals(0, loop.slots.cachedLength(older));
            } else {
                assertEquals(List.of(), out.evictions(), "contrast: with room, caches stay");
                assertEquals(30, loop.slots.cachedLength(older));
            }
            assertEquals(30, loop.slots.cachedLength(newer), "the fresher cache stays");
            assertEquals(List.of(), out.preemptions());
        }
    }

    @Test
    void shouldPreemptTheYoungestWhenNoIdleCacheIsLeft() {
        Loop loop = new Loop(3, 42);
        Sequence older = loop.submit(tokens(0, 20));
        Sequence younger = loop.submit(tokens(100, 20));
        loop.step(); // both prefilled in one step: 40 cells
        loop.step(); // one token each: 42 cells, the context is full

        SchedulerOutput out = loop.step();

        assertEquals(1, out.preemptions().size());
        assertSame(younger, out.preemptions().getFirst().sequence(), "the youngest goes, not the older one");
        assertEquals(1, younger.preemptions);
        assertEquals(Sequence.Status.WAITING, younger.status);
        assertEquals(0, younger.numComputed, "recomputed later");
        assertEquals(22, younger.length(), "its prompt and generated tokens are kept");
        assertEquals(List.of(older), out.chunks().stream().map(SchedulerOutput.Chunk::sequence).toList());
        assertSame(younger, loop.waiting.peek(), "first in line");
        assertTrue(loop.scheduler.admissionsPaused());
    }

    @Test
    void shouldDropAnIdleCacheRatherThanPreempt() {
        Loop loop = new Loop(3, 62); // contrast to the test above: 20 more cells, held by an idle cache
        int idle = loop.cache(tokens(500, 20));
        loop.submit(tokens(0, 20));
        loop.submit(tokens(100, 20));
        loop.step();
        loop.step();

        SchedulerOutput out = loop.step();

        assertEquals(List.of(idle), out.evictions());
        assertEquals(List.of(), out.preemptions());
        assertEquals(2, out.chunks().size());
    }

    @Test
    void shouldReadmitAPreemptedSequenceFirstOnceASequenceFinishes() {
        Loop loop = new Loop(3, 42);
        Sequence older = loop.submit(tokens(0, 20));
        Sequence younger = loop.submit(tokens(100, 20));
        loop.step();
        loop.step();
        assertEquals(younger, loop.step().preemptions().getFirst().sequence());
        Sequence newcomer = loop.submit(tokens(200, 5));

        SchedulerOutput paused = loop.step();
        assertEquals(List.of(), paused.admissions(), "admissions pause after a preemption, free slots or not");
        assertTrue(loop.slots.hasFreeSlot());

        loop.finish(older);
        SchedulerOutput resumed = loop.step();

        assertSame(younger, resumed.admissions().getFirst().sequence(), "the preempted one goes first");
        assertEquals(0, resumed.admissions().getFirst().reuse(), "its KV was removed: it is recomputed");
        List<Sequence> order = resumed.admissions().stream().map(SchedulerOutput.Admission::sequence).toList();
        assertTrue(order.indexOf(newcomer) != 0, "the newcomer, if admitted at all, after it: " + order);
    }

    @Test
    void shouldAdmitTenantsInTurns() {
        Loop loop = new Loop(2, 1000);
        List<Sequence> a = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            a.add(loop.submit("A", tokens(100 * i, 8)));
        }
        Sequence b = loop.submit("B", tokens(900, 8));

        SchedulerOutput out = loop.step();

        assertEquals(List.of(a.getFirst(), b), out.admissions().stream().map(SchedulerOutput.Admission::sequence)
                .toList(), "B's one request before A's second");
    }

    @Test
    void shouldPlanASequenceThatCannotFitAloneAsFailed() {
        Loop tooSmall = new Loop(2, 50);
        Sequence s = tooSmall.submit(tokens(0, 60));

        SchedulerOutput out = tooSmall.step();

        assertEquals(List.of(new SchedulerOutput.Failure(s, Scheduler.CANNOT_FIT)), out.failures());
        assertEquals(List.of(), out.admissions());
        assertTrue(tooSmall.waiting.isEmpty(), "it does not wait forever");

        Loop bigEnough = new Loop(2, 64); // contrast
        Sequence t = bigEnough.submit(tokens(0, 60));
        SchedulerOutput admitted = bigEnough.step();
        assertSame(t, admitted.admissions().getFirst().sequence());
        assertEquals(List.of(), admitted.failures());
    }

    @Test
    void shouldFailARunningSequenceThatOutgrowsTheContextAlone() {
        Loop loop = new Loop(2, 30);
        Sequence s = loop.submit(tokens(0, 25));
        SchedulerOutput out = null;
        int steps = 0;
        while (steps++ < 20 && (out = loop.step()).failures().isEmpty()) {
            assertTrue(s.numComputed <= 30);
        }
        assertEquals(List.of(new SchedulerOutput.Failure(s, Scheduler.CANNOT_FIT)), out.failures());
        assertEquals(30, s.numComputed, "it ran until the last cell, not one step more");
        assertEquals(List.of(), out.preemptions(), "alone: nobody to preempt, and never itself");
    }

    @Test
    void shouldKeepANewcomerWaitingRatherThanPreemptForIt() {
        Loop loop = new Loop(3, 50);
        Sequence r = loop.submit(tokens(0, 40));
        loop.prefill(r);
        Sequence n = loop.submit(tokens(100, 20)); // 20 cells, 9 left

        SchedulerOutput out = loop.step();

        assertEquals(List.of(), out.admissions());
        assertEquals(List.of(), out.preemptions());
        assertEquals(List.of(), out.failures(), "something runs: it will fit later");
        assertSame(n, loop.waiting.peek());
    }

    private static KvState snapshotOf(int[] tokens) {
        return KvState.copyOf(tokens, MemorySegment.ofArray(new byte[] {1, 2, 3}));
    }

    @Test
    void shouldRestoreASnapshotOnlyWhenItCoversMoreThanTheResidentPrefix() {
        int[] history = tokens(0, 80);
        int[] prompt = concat(history, tokens(900, 10));
        try (KvState snapshot = snapshotOf(history)) {
            Loop cold = new Loop(2, 1000);
            Sequence s = cold.submitWithSnapshot(prompt, snapshot);
            SchedulerOutput.Admission a = cold.step().admissions().getFirst();
            assertSame(s, a.sequence());
            assertTrue(a.restore(), "nothing resident: restore the snapshot");
            assertEquals(80, a.reuse());
            assertEquals(-1, a.copyFrom());

            Loop warm = new Loop(2, 1000); // contrast: the session's history is still in a slot
            int slot = warm.cache(history);
            warm.submitWithSnapshot(prompt, snapshot);
            SchedulerOutput.Admission resident = warm.step().admissions().getFirst();
            assertFalse(resident.restore(), "the resident slot covers as much: no restore");
            assertEquals(slot, resident.slot());
            assertEquals(80, resident.reuse());
        }
    }

    @Test
    void shouldNotRestoreASnapshotWhoseCellsDoNotFit() {
        int[] history = tokens(0, 80);
        try (KvState snapshot = snapshotOf(history)) {
            for (int cells : new int[] {150, 400}) {
                Loop loop = new Loop(3, cells);
                Sequence r = loop.submit(tokens(5000, 60));
                loop.prefill(r); // 60 cells busy: 80 restored cells plus the step do not fit in 150
                loop.submitWithSnapshot(concat(history, tokens(900, 10)), snapshot);

                SchedulerOutput.Admission a = loop.step().admissions().getFirst();

                assertEquals(cells == 400, a.restore(), cells + " cells");
                assertEquals(cells == 400 ? 80 : 0, a.reuse(), "without the snapshot, a prefill from 0");
            }
        }
    }
}
