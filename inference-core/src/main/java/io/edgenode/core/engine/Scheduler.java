package io.edgenode.core.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides what one step computes. Pure policy (STYLE 1): running sequences and a token budget in,
 * a {@link SchedulerOutput} out; no native calls, no threads, testable without a model.
 *
 * <p>Policy: every sequence in its decode phase gets its one token (cheap, and the latency users
 * feel). The rest of the budget goes to prompt chunks, tenant by tenant in round-robin order
 * (rotating each step so no tenant always goes first), and within a tenant by priority, then
 * arrival. A prompt longer than the remaining budget is split (chunked prefill), so a long
 * prompt never holds running streams for more than one step of {@code maxBatchTokens}. Earlier
 * prompts are finished before later ones start, which lets the first requests of a burst stream
 * early instead of all of them waiting for one big prefill.
 */
final class Scheduler {
    private static final Comparator<Sequence> WITHIN_TENANT =
            Comparator.comparingInt(Sequence::priority).reversed().thenComparingLong(s -> s.arrival);

    private final int maxBatchTokens;
    private int rotation;

    Scheduler(int maxBatchTokens) {
        this.maxBatchTokens = maxBatchTokens;
    }

    SchedulerOutput schedule(List<Sequence> running) {
        List<SchedulerOutput.Chunk> chunks = new ArrayList<>(running.size());
        int budget = maxBatchTokens;
        Map<String, List<Sequence>> prefilling = new LinkedHashMap<>();
        for (Sequence s : running) {
            int owed = s.owed();
            if (owed <= 0) {
                continue;
            }
            if (owed == 1 && !s.isPrefilling()) {
                chunks.add(new SchedulerOutput.Chunk(s, 1));
                budget--;
            } else {
                prefilling.computeIfAbsent(s.tenant(), t -> new ArrayList<>()).add(s);
            }
        }
        if (budget > 0 && !prefilling.isEmpty()) {
            List<String> tenants = new ArrayList<>(prefilling.keySet());
            int start = Math.floorMod(rotation++, tenants.size());
            // Round-robin: each pass gives every tenant its next sequence until the budget is gone.
            List<List<Sequence>> queues = new ArrayList<>();
            for (int i = 0; i < tenants.size(); i++) {
                List<Sequence> q = prefilling.get(tenants.get((start + i) % tenants.size()));
                q.sort(WITHIN_TENANT);
                queues.add(q);
            }
            int[] next = new int[queues.size()];
            boolean progress = true;
            while (budget > 0 && progress) {
                progress = false;
                for (int i = 0; i < queues.size() && budget > 0; i++) {
                    List<Sequence> q = queues.get(i);
                    if (next[i] < q.size()) {
                        Sequence s = q.get(next[i]++);
                        int n = Math.min(s.owed(), budget);
                        chunks.add(new SchedulerOutput.Chunk(s, n));
                        budget -= n;
                        progress = true;
                    }
                }
            }
        }
        return new SchedulerOutput(chunks, maxBatchTokens - budget);
    }
}
