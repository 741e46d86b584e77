package io.edgenode.core.engine;

import io.edgenode.core.llama.SamplingParams;
import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark access to the package-private {@link Scheduler} and {@link Sequence}: builds running
 * sequences in a chosen phase and plans steps over them. Lives in the benchmarks module under the
 * engine's package name (STYLE 18); no native resources. Confined to one benchmark thread.
 */
public final class SchedulerFixture {
    private final Scheduler scheduler;
    private final List<Sequence> running = new ArrayList<>();

    public SchedulerFixture(int maxBatchTokens) {
        this.scheduler = new Scheduler(maxBatchTokens);
    }

    /** A sequence in its decode phase: prompt computed, {@code generated} tokens sampled, the last one owed. */
    public void addDecoding(String tenant, int promptLength, int generated) {
        Sequence s = sequence(tenant, promptLength, generated + 16);
        for (int i = 0; i < generated; i++) {
            s.appendToken(i % 1000);
        }
        s.numComputed = s.length() - 1;
        s.status = Sequence.Status.RUNNING;
        running.add(s);
    }

    /** A sequence still prefilling: {@code computed} of its {@code promptLength} prompt tokens have KV. */
    public void addPrefilling(String tenant, int promptLength, int computed) {
        Sequence s = sequence(tenant, promptLength, 64);
        s.numComputed = computed;
        s.status = Sequence.Status.RUNNING;
        running.add(s);
    }

    /** Plans one step over the running sequences (their state is not advanced); returns its batch tokens. */
    public int schedule() {
        return scheduler.schedule(running).batchTokens();
    }

    /** Chunks of one plan over the running sequences, for checking a fixture's shape. */
    public int chunks() {
        return scheduler.schedule(running).chunks().size();
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
