package io.edgenode.core.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Confined to the engine thread: decides what one step does. Pure policy (STYLE 1): the waiting
 * queue, the running sequences, the slot table and the KV ledger in, a {@link SchedulerOutput}
 * out; no native calls, no I/O, no threads, testable without a model. Like vLLM v1's scheduler it
 * updates the bookkeeping it is given to the state after the plan (sequences admitted, preempted,
 * slots assigned, ledger runs), and the decode loop performs the native side.
 *
 * <p>One step, in order:
 * <ol>
 *   <li><b>Fit the running set.</b> The step needs one KV cell per token it feeds. While the
 *       ledger has fewer free cells than that: drop the least recently used idle slot's cache
 *       (one whose cells are not all shared), else preempt the youngest running sequence (its KV
 *       removed, first in line again, recomputed later with its generated tokens; vLLM's
 *       recompute preemption), else, alone and still out of cells, plan it as failed.
 *   <li><b>Admit</b> (unless a preemption paused admissions: re-admitting at once would only
 *       preempt again; a finishing sequence resumes them): the next waiting sequence (tenant
 *       round-robin, {@link FairQueue}) gets the free slot with the longest cached prefix, or a
 *       copy from a busy slot sharing {@link SlotTable#MIN_COPY_PREFIX} more tokens, or its
 *       session snapshot when that covers more. It is admitted only when the step, with its first
 *       chunk, still fits (idle caches may be dropped for it; running sequences are never
 *       preempted for a newcomer): otherwise it stays first in line, or, when nothing runs and
 *       still nothing fits, it is planned as failed instead of waiting forever.
 *   <li><b>Chunk.</b> Every decoding sequence gets its one token (cheap, and the latency users
 *       feel). The rest of the budget goes to prompt chunks, tenant by tenant in round-robin
 *       order (rotating each step so no tenant always goes first), and within a tenant by
 *       priority, then arrival. A prompt longer than the remaining budget is split (chunked
 *       prefill), so a long prompt never holds running streams for more than one step. Earlier
 *       prompts are finished before later ones start, which lets the first requests of a burst
 *       stream early instead of all of them waiting for one big prefill.
 * </ol>
 */
final class Scheduler {
    private static final Comparator<Sequence> WITHIN_TENANT =
            Comparator.comparingInt(Sequence::priority).reversed().thenComparingLong(s -> s.arrival);

    static final String CANNOT_FIT = "KV cache full: the context cannot hold this sequence";

    private final int maxBatchTokens;
    private int rotation;
    /** Set by a preemption, cleared when a sequence finishes (or nothing runs any more). */
    private boolean admissionsPaused;

    Scheduler(int maxBatchTokens) {
        this.maxBatchTokens = maxBatchTokens;
    }

    /** A running sequence ended (finished, cancelled, failed): there is room to admit again. */
    void sequenceFinished() {
        admissionsPaused = false;
    }

    boolean admissionsPaused() {
        return admissionsPaused;
    }

    SchedulerOutput schedule(FairQueue waiting, List<Sequence> running, SlotTable slots, KvLedger ledger) {
        if (running.isEmpty()) {
            admissionsPaused = false; // nothing left to wait for
        }
        List<SchedulerOutput.Preemption> preemptions = new ArrayList<>(0);
        List<Integer> evictions = new ArrayList<>(0);
        while (stepTokens(running, null) > ledger.free()) {
            int idle = evictable(slots, ledger, -1);
            if (idle >= 0) {
                evict(idle, slots, ledger, evictions);
            } else if (running.size() > 1) {
                preemptions.add(preemptYoungest(waiting, running, slots, ledger));
            } else {
                Sequence alone = running.getFirst();
                return new SchedulerOutput(List.of(), List.of(), 0, preemptions, evictions, List.of(
                        new SchedulerOutput.Failure(alone, CANNOT_FIT)));
            }
        }
        List<SchedulerOutput.Admission> admissions = new ArrayList<>(0);
        List<SchedulerOutput.Failure> failures = new ArrayList<>(0);
        while (!admissionsPaused && !waiting.isEmpty() && slots.hasFreeSlot()) {
            Sequence next = waiting.peek();
            SchedulerOutput.Admission a = admit(next, running, slots, ledger, evictions);
            if (a != null) {
                waiting.poll();
                admissions.add(a);
            } else if (running.isEmpty()) {
                // Nothing runs and no cache is left to drop: it would never fit. Fail it, not wait forever.
                waiting.poll();
                failures.add(new SchedulerOutput.Failure(next, CANNOT_FIT));
            } else {
                break; // no room for it this step: it stays first in line
            }
        }
        List<SchedulerOutput.Chunk> chunks = chunk(running);
        int tokens = 0;
        for (SchedulerOutput.Chunk c : chunks) {
            tokens += c.count();
        }
        return new SchedulerOutput(admissions, chunks, tokens, preemptions, evictions, failures);
    }

    /**
     * The step found no KV room although the ledger expected some (fragmentation, or the ledger
     * was wrong) and a smaller batch did not fit either: drop the least recently used idle cache,
     * else preempt the youngest running sequence, else fail the one that is alone. One action per
     * call, so every failed step frees something and the engine never loops on a full cache.
     */
    SchedulerOutput relieve(FairQueue waiting, List<Sequence> running, SlotTable slots, KvLedger ledger) {
        List<Integer> evictions = new ArrayList<>(1);
        int idle = slots.evictionCandidate(slot -> true);
        if (idle >= 0) {
            evict(idle, slots, ledger, evictions);
            return new SchedulerOutput(List.of(), List.of(), 0, List.of(), evictions, List.of());
        }
        if (running.size() > 1) {
            return new SchedulerOutput(List.of(), List.of(), 0,
                    List.of(preemptYoungest(waiting, running, slots, ledger)), evictions, List.of());
        }
        List<SchedulerOutput.Failure> failures = running.isEmpty() ? List.of() : List.of(new SchedulerOutput.Failure(
                running.getFirst(), CANNOT_FIT));
        return new SchedulerOutput(List.of(), List.of(), 0, List.of(), evictions, failures);
    }

    /**
     * Plans {@code s}'s admission, or returns null (nothing changed but idle evictions) when the
     * step would not fit with it.
     */
    private SchedulerOutput.Admission admit(Sequence s, List<Sequence> running, SlotTable slots, KvLedger ledger,
            List<Integer> evictions) {
        SlotTable.Choice choice = slots.choose(s.tokens(), s.length(), s.request.cacheScope(),
                s.request.sharedPrefixTokens());
        int slot = choice.slot();
        KvState kv = s.preemptions == 0 ? s.request.restoreKv() : null;
        int restoreReuse = -1;
        if (kv != null) {
            int[] kvTokens = kv.tokens();
            int lcp = Math.min(s.length() - 1,
                    SlotTable.commonPrefix(kvTokens, kvTokens.length, s.tokens(), s.length()));
            // A session still resident uses its slot directly; the snapshot only when it covers more.
            restoreReuse = lcp > choice.reuse() ? lcp : -1;
        }
        // Best case, every other idle cache dropped: when even that is short, drop nothing for it.
        IntPredicate idleOther = i -> i != slot && slots.owner(i) == null;
        int keepResident = choice.copyFrom() >= 0 ? 0 : choice.reuse();
        if (restoreReuse >= 0 && stepTokens(running, s, restoreReuse) + kv.tokenCount()
                > ledger.freeIf(slot, 0, idleOther)) {
            restoreReuse = -1; // no room to unpack the snapshot: the resident prefix will do
        }
        if (restoreReuse < 0 && stepTokens(running, s, choice.reuse()) > ledger.freeIf(slot, keepResident, idleOther)) {
            return null;
        }
        int needed = stepTokens(running, s, restoreReuse >= 0 ? restoreReuse : choice.reuse());
        while (true) {
            boolean restore = restoreReuse >= 0;
            int keep = restore || choice.copyFrom() >= 0 ? 0 : choice.reuse();
            // A restore writes every snapshot token into the slot before the unused tail is removed.
            int transientCells = restore ? kv.tokenCount() : 0;
            if (needed + transientCells <= ledger.free() + ledger.freedByTruncating(slot, keep)) {
                break;
            }
            int idle = evictable(slots, ledger, slot);
            if (idle >= 0) {
                evict(idle, slots, ledger, evictions);
            } else if (restore) {
                restoreReuse = -1; // no room to unpack the snapshot: the resident prefix will do
                needed = stepTokens(running, s, choice.reuse());
            } else {
                return null;
            }
        }
        boolean restore = restoreReuse >= 0;
        int reuse = restore ? restoreReuse : choice.reuse();
        int copyFrom = restore ? -1 : choice.copyFrom();
        slots.forget(slot);
        slots.assign(slot, s);
        s.numComputed = reuse;
        if (restore) {
            ledger.clear(slot);
            ledger.fresh(slot, 0);
        } else if (copyFrom >= 0) {
            ledger.copy(copyFrom, slot, reuse);
        } else {
            ledger.fresh(slot, reuse);
        }
        s.status = Sequence.Status.RUNNING;
        running.add(s);
        return new SchedulerOutput.Admission(s, slot, reuse, copyFrom, restore);
    }

    /** Tokens (so KV cells) this step feeds: one per decoding sequence, prompt chunks up to the budget. */
    private int stepTokens(List<Sequence> running, Sequence extra) {
        return stepTokens(running, extra, 0);
    }

    /** As {@link #stepTokens(List, Sequence)}, with {@code extra} (when not null) as if admitted with {@code extraComputed}. */
    private int stepTokens(List<Sequence> running, Sequence extra, int extraComputed) {
        int decodes = 0;
        long prompts = 0;
        for (Sequence s : running) {
            int owed = s.owed();
            if (owed == 1 && !s.isPrefilling()) {
                decodes++;
            } else if (owed > 0) {
                prompts += owed;
            }
        }
        if (extra != null) {
            int owed = extra.length() - extraComputed;
            if (owed == 1 && extraComputed >= extra.promptLength) {
                decodes++; // a preempted sequence that only lacks its last sampled token
            } else {
                prompts += owed;
            }
        }
        return decodes + (int) Math.min(Math.max(0, maxBatchTokens - decodes), prompts);
    }

    /**
     * The idle slot (never {@code keep}) whose cache to drop next, or -1 when dropping every idle
     * cache would free nothing (their cells are all shared with busy slots). The least recently
     * used one that frees cells by itself; failing that (idle slots sharing cells only among
     * themselves), the least recently used one, so that the next one frees them.
     */
    private static int evictable(SlotTable slots, KvLedger ledger, int keep) {
        if (ledger.freeIf(-1, 0, i -> i != keep && slots.owner(i) == null) == ledger.free()) {
            return -1;
        }
        int slot = slots.evictionCandidate(i -> i != keep && ledger.freedByClearing(i) > 0);
        return slot >= 0 ? slot : slots.evictionCandidate(i -> i != keep);
    }

    private static void evict(int slot, SlotTable slots, KvLedger ledger, List<Integer> evictions) {
        slots.forget(slot);
        ledger.clear(slot);
        evictions.add(slot);
    }

    private SchedulerOutput.Preemption preemptYoungest(FairQueue waiting, List<Sequence> running, SlotTable slots,
            KvLedger ledger) {
        Sequence youngest = running.getFirst();
        for (Sequence s : running) {
            if (s.arrival > youngest.arrival) {
                youngest = s;
            }
        }
        running.remove(youngest);
        int slot = youngest.slot;
        slots.release(slot);
        slots.forget(slot);
        ledger.clear(slot);
        youngest.slot = -1;
        youngest.numComputed = 0;
        youngest.preemptions++;
        youngest.status = Sequence.Status.WAITING;
        waiting.addFirst(youngest);
        admissionsPaused = true;
        return new SchedulerOutput.Preemption(youngest, slot);
    }

    /** Decode tokens first, then prompt chunks round-robin across tenants (see the class comment). */
    private List<SchedulerOutput.Chunk> chunk(List<Sequence> running) {
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
        return chunks;
    }
}
