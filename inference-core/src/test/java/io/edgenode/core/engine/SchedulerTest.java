package io.edgenode.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The scheduler's chunking, the fair queue and the slot choice are pure policy: tested without a model. */
class SchedulerTest {
    private static long arrivals;

    private static Sequence seq(String tenant, int prompt, int priority) {
        GenerationRequest r = GenerationRequest.greedy("r" + arrivals, IntStream.range(0, prompt).toArray(), 8,
                GenerationListener.discarding()).withTenant(tenant, priority);
        return new Sequence(r, ++arrivals, 0);
    }

    private static Sequence decoding(String tenant) {
        Sequence s = seq(tenant, 4, 0);
        s.appendToken(1);
        s.numComputed = 4; // prompt done, one sampled token owed
        return s;
    }

    /** Plans a step for sequences already running outside any slot (chunking only: cells are plenty). */
    private static SchedulerOutput schedule(Scheduler scheduler, List<Sequence> running) {
        SlotTable slots = new SlotTable(8);
        return scheduler.schedule(new FairQueue(), running, slots, new KvLedger(1 << 20, slots));
    }

    @Test
    void shouldGiveEveryDecodingSequenceOneTokenAndChunkPromptsWithinTheBudget() {
        Scheduler scheduler = new Scheduler(64);
        List<Sequence> running = new ArrayList<>(List.of(decoding("a"), decoding("b"), seq("a", 100, 0)));
        SchedulerOutput out = schedule(scheduler, running);
        assertEquals(64, out.batchTokens());
        assertEquals(1, out.chunks().get(0).count());
        assertEquals(1, out.chunks().get(1).count());
        assertEquals(62, out.chunks().get(2).count(), "the long prompt gets what is left: a chunk");
        assertTrue(out.chunks().get(0).completes());
        assertTrue(!out.chunks().get(2).completes());
    }

    @Test
    void shouldShareThePrefillBudgetAcrossTenantsRoundRobin() {
        Scheduler scheduler = new Scheduler(100);
        List<Sequence> running = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            running.add(seq("big", 40, 0));
        }
        Sequence small = seq("small", 40, 0);
        running.add(small);
        SchedulerOutput out = schedule(scheduler, running);
        assertTrue(out.chunks().stream().anyMatch(c -> c.sequence() == small),
                "the other tenant's prompt is served in the same step: " + out);
    }

    @Test
    void shouldServeTenantsInTurnsThenByPriority() {
        FairQueue q = new FairQueue();
        List<Sequence> a = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Sequence s = seq("A", 4, 0);
            a.add(s);
            q.add(s);
        }
        Sequence b = seq("B", 4, 0);
        q.add(b);
        Sequence urgent = seq("A", 4, 5);
        q.add(urgent);
        assertEquals(urgent, q.poll(), "priority first within tenant A");
        assertEquals(b, q.poll(), "then tenant B's turn, not A's 19 others");
        assertEquals(a.get(0), q.poll());
        assertEquals(19, q.size());
        Sequence preempted = a.get(0);
        q.addFirst(preempted);
        assertEquals(preempted, q.poll(), "a preempted sequence resumes first");
    }

    @Test
    void shouldReuseTheLongestCachedPrefixAndLeaveOneTokenToCompute() {
        SlotTable slots = new SlotTable(3);
        Sequence first = seq("", 50, 0);
        slots.assign(0, first);
        first.numComputed = 50;
        slots.release(0);
        int[] same = IntStream.range(0, 50).toArray();
        SlotTable.Choice c = slots.choose(same, 50, "", 0);
        assertEquals(0, c.slot());
        assertEquals(49, c.reuse(), "the last prompt token is recomputed for its logits");
        int[] longer = IntStream.range(0, 80).toArray();
        assertEquals(50, slots.choose(longer, 80, "", 0).reuse());
        int[] other = IntStream.range(1000, 1040).toArray();
        SlotTable.Choice fresh = slots.choose(other, 40, "", 0);
        assertEquals(0, fresh.reuse());
        assertTrue(fresh.slot() != 0, "an empty slot is overwritten before a useful cache");
    }

    @Test
    void shouldCopyALongPrefixFromABusySlot() {
        SlotTable slots = new SlotTable(2);
        Sequence busy = seq("", 64, 0);
        slots.assign(0, busy);
        busy.numComputed = 64;
        int[] sharedPrefix = IntStream.range(0, 70).toArray();
        SlotTable.Choice c = slots.choose(sharedPrefix, 70, "", 0);
        assertEquals(1, c.slot());
        assertEquals(0, c.copyFrom());
        assertEquals(64, c.reuse());
        SlotTable full = new SlotTable(1);
        full.assign(0, seq("", 4, 0));
        assertEquals(null, full.choose(sharedPrefix, 70, "", 0), "no free slot, no choice");
    }

    @Test
    void shouldNotReuseAnotherScopesPrefixBeyondTheSharedPart() {
        SlotTable slots = new SlotTable(2);
        Sequence tenantA = scoped("key-a", 60, 0);
        slots.assign(0, tenantA);
        tenantA.numComputed = 60;
        slots.release(0);
        int[] same = IntStream.range(0, 60).toArray();
        assertEquals(59, slots.choose(same, 60, "key-a", 0).reuse(), "its own scope reuses everything");
        assertEquals(0, slots.choose(same, 60, "key-b", 0).reuse(), "another scope reuses nothing");
        assertEquals(20, slots.choose(same, 60, "key-b", 20).reuse(), "only the operator-shared 20 tokens");
        Sequence busyA = scoped("key-a", 64, 0);
        slots.assign(1, busyA);
        busyA.numComputed = 64;
        SlotTable.Choice c = slots.choose(IntStream.range(0, 70).toArray(), 70, "key-b", 0);
        assertEquals(-1, c.copyFrom(), "no copy from another scope's busy slot");
        assertEquals(0, c.reuse());
    }

    private static Sequence scoped(String scope, int prompt, int priority) {
        int[] tokens = IntStream.range(0, prompt).toArray();
        return new Sequence(GenerationRequest.greedy("s" + (arrivals++), tokens, 4, GenerationListener.discarding())
                .withCacheScope(scope, 0), arrivals, 0);
    }
}
