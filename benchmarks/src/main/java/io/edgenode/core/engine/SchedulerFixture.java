package io.edgenode.core.engine;

import io.edgenode.core.llama.SamplingParams;
import java.util.ArrayList;
import java.util.List;

/**
 * Confined to one benchmark thread: access to the package-private {@link Scheduler} and {@link
 * Sequence}. Builds running sequences in a chosen phase, each in its own slot of a {@link
 * SlotTable} counted by a {@link KvLedger} with room to spare (so a plan is the full policy path:
 * the cell check, no admission, no preemption), and plans steps over them. Lives in the benchmarks
 * module under the engine's package name (STYLE 18); no native resources.
 */
public final class SchedulerFixture {
    /** The engine's default {@code parallel}: the benchmark's mixes have 8 sequences. */
    private static final int SLOTS = 8;

    private final Scheduler scheduler;
    private final FairQueue waiting = new FairQueue();
    private final List<Sequence> running = new ArrayList<>();
    private final SlotTable slots = new SlotTable(SLOTS);
    private final KvLedger ledger = new KvLedger(1 << 20, slots);

    public SchedulerFixture(int maxBatchTokens) {
        this.scheduler = new Scheduler(maxBatchTokens);
    }

    /** A sequence in its decode phase: prompt computed, {@code generated} tokens sampled, the last one owed. */
    public void addDecoding(String tenant, int promptLength, int generated) {
        Sequence s = sequence(tenant, promptLength, generated + 16);
        for (int i = 0; i < generated; i++) {
            s.appendToken(i % 1000);
        }
        run(s, s.length() - 1);
    }

    /** A sequence still prefilling: {@code computed} of its {@code promptLength} prompt tokens have KV. */
    public void addPrefilling(String tenant, int promptLength, int computed) {
        Sequence s = sequence(tenant, promptLength, 64);
        run(s, computed);
    }

    private void run(Sequence s, int computed) {
        int slot = running.size();
        if (slot == SLOTS) {
            throw new IllegalStateException("at most " + SLOTS + " running sequences");
        }
        slots.assign(slot, s);
        ledger.fresh(slot, 0);
        s.numComputed = computed;
        s.status = Sequence.Status.RUNNING;
        running.add(s);
    }

    /** Plans one step over the running sequences (their state is not advanced); returns its batch tokens. */
    public int schedule() {
        return scheduler.schedule(waiting, running, slots, ledger).batchTokens();
    }

    /** Chunks of one plan over the running sequences, for checking a fixture's shape. */
    public int chunks() {
        return scheduler.schedule(waiting, running, slots, ledger).chunks().size();
    }

    private Sequence sequence(String tenant, int promptLength, int maxTokens) {
        int[] prompt = new int[promptLength];
        for (int i = 0; i < promptLength; i++) {
            prompt[i] = 1 + i % 1000;
        }
        GenerationRequest r = new GenerationRequest("bench-" + running.size(), prompt, maxTokens,
                SamplingParams.greedy(), List.of(), true, tenant, 0, GenerationListener.discarding());
        return new Sequence(r, running.size() + 1, System.nanoTime());
    }
}
