package io.edgenode.core.engine;

import io.edgenode.core.llama.Batch;
import io.edgenode.core.llama.DecodeException;
import io.edgenode.core.llama.LlamaContext;
import io.edgenode.core.llama.TokenDataArray;
import io.edgenode.core.llama.Vocab;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's decode loop. Confined to the engine thread: it alone touches the context, the
 * batch, the slots and the sequences' samplers. A duty cycle (STYLE 2): drain the inbox, handle
 * cancellations, ask the {@link Scheduler} for the step's plan, execute it (KV operations,
 * admissions), build one batch, decode, sample and emit, release what finished. It blocks on the
 * inbox when there is nothing to do: no spinning. Every decision (who is admitted where, what is
 * evicted or preempted, how many tokens each sequence feeds) is the scheduler's; this class only
 * carries it out and reports what llama.cpp did.
 *
 * <p>The scheduler plans each step to fit the KV cells its {@link KvLedger} counts. Should
 * {@code llama_decode} still find no room (returns 1: fragmentation, or the ledger was wrong), the
 * step is retried with its prompt chunks halved, as llama-server does, and when even that fails
 * the scheduler relieves the pressure (an idle cache dropped, the youngest preempted, or the one
 * sequence left failed). The client sees a pause, not an error; llama.cpp never aborts.
 */
final class DecodeLoop {
    private static final System.Logger LOG = System.getLogger(DecodeLoop.class.getName());

    private final LlamaContext context;
    private final Vocab vocab;
    private final BlockingQueue<Sequence> inbox;
    private final AtomicInteger queued;
    private final Batch batch;
    private final SlotTable slots;
    private final KvLedger ledger;
    private final FairQueue waiting = new FairQueue();
    private final List<Sequence> running = new ArrayList<>();
    private final Scheduler scheduler;
    private final KvTransfer kvTransfer;
    private final EngineCounters counters = new EngineCounters();
    private final List<Sequence> drained = new ArrayList<>();
    private volatile boolean stop;
    private volatile boolean idle = true;
    /** Scratch candidates for constrained sampling (one sequence at a time), made on first use. */
    private TokenDataArray candidates;
    /** The vocabulary's special tokens, found on the first constrained request. */
    private SpecialTokens specials;

    DecodeLoop(LlamaContext context, EngineConfig config, BlockingQueue<Sequence> inbox, AtomicInteger queued) {
        this.context = context;
        this.vocab = context.model().vocab();
        this.inbox = inbox;
        this.queued = queued;
        this.batch = new Batch(config.maxBatchTokens(), 1);
        this.slots = new SlotTable(config.parallel());
        this.ledger = new KvLedger(config.contextSize(), slots);
        this.scheduler = new Scheduler(config.maxBatchTokens());
        this.kvTransfer = new KvTransfer(context);
    }

    EngineMetrics metrics(int queueDepth) {
        return counters.snapshot(queueDepth);
    }

    /** Batches retried smaller after llama.cpp found no KV room the ledger expected (tests). */
    long kvFullRetries() {
        return counters.kvFullRetries;
    }

    boolean isIdle() {
        return idle;
    }

    void stop() {
        stop = true;
    }

    void run() {
        try {
            while (!stop) {
                if (running.isEmpty() && waiting.isEmpty()) {
                    idle = true;
                    if (!awaitWork()) {
                        continue;
                    }
                }
                idle = false;
                try {
                    drainInbox();
                    handleCancellations();
                    step();
                } catch (RuntimeException e) {
                    // A bug or an unexpected native failure: fail what was running, keep serving.
                    LOG.log(System.Logger.Level.ERROR, "engine step failed; failing " + running.size()
                            + " running sequences", e);
                    for (Sequence s : new ArrayList<>(running)) {
                        finish(s, FinishReason.ERROR, "engine step failed: " + e, true);
                    }
                }
                idle = running.isEmpty() && waiting.isEmpty() && inbox.isEmpty();
            }
        } finally {
            shutdown();
        }
    }

    /** Blocks until a request arrives; false when interrupted (shutdown). */
    private boolean awaitWork() {
        try {
            Sequence s = inbox.take();
            waiting.add(s);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    private void drainInbox() {
        drained.clear();
        inbox.drainTo(drained);
        for (Sequence s : drained) {
            waiting.add(s);
        }
    }

    private void handleCancellations() {
        for (Sequence s : waiting.removeIf(s -> s.cancelRequested)) {
            dropWaiting(s, FinishReason.CANCELLED, null);
        }
        for (int i = running.size() - 1; i >= 0; i--) {
            Sequence s = running.get(i);
            if (s.cancelRequested) {
                finish(s, FinishReason.CANCELLED, null, true);
            }
        }
    }

    private void step() {
        SchedulerOutput plan = scheduler.schedule(waiting, running, slots, ledger);
        execute(plan);
        if (plan.isEmpty()) {
            publishGauges();
            return;
        }
        long t0 = System.nanoTime();
        SchedulerOutput attempt = plan;
        while (true) {
            fillBatch(attempt, t0);
            try {
                context.decode(batch);
                break;
            } catch (DecodeException e) {
                clearSampleRows(attempt);
                if (!e.isKvCacheFull()) {
                    failBatch(attempt, e);
                    releaseFinished(); // one whose setup failed at admission (Sequence.fail)
                    return;
                }
                attempt = attempt.halvePromptChunks();
                if (attempt == null) {
                    LOG.log(System.Logger.Level.DEBUG, "KV cache full with {0} cells counted as used of {1}",
                            ledger.used(), ledger.capacity());
                    execute(scheduler.relieve(waiting, running, slots, ledger));
                    releaseFinished(); // one whose setup failed at admission (Sequence.fail)
                    publishGauges();
                    return;
                }
                counters.kvFullRetries++;
            }
        }
        afterDecode(attempt, t0);
    }

    /** The native side of a plan, in the order {@link SchedulerOutput} documents. */
    private void execute(SchedulerOutput plan) {
        for (SchedulerOutput.Preemption p : plan.preemptions()) {
            context.removeSequence(p.slot(), -1, -1);
            counters.preemptions++;
            LOG.log(System.Logger.Level.DEBUG, "KV cells short: preempted {0} (will recompute {1} tokens)",
                    p.sequence().id(), p.sequence().length());
        }
        for (int slot : plan.evictions()) {
            context.removeSequence(slot, -1, -1);
        }
        for (SchedulerOutput.Failure f : plan.failures()) {
            if (f.sequence().status == Sequence.Status.RUNNING) {
                finish(f.sequence(), FinishReason.ERROR, f.reason(), true);
            } else {
                dropWaiting(f.sequence(), FinishReason.ERROR, f.reason());
            }
        }
        for (SchedulerOutput.Admission a : plan.admissions()) {
            start(a);
        }
        counters.activeSequences = running.size();
    }

    /** Puts an admitted sequence's reused prefix in its slot; on its first admission, sets it up. */
    private void start(SchedulerOutput.Admission a) {
        Sequence s = a.sequence();
        int slot = a.slot();
        boolean first = s.preemptions == 0;
        if (a.restore()) {
            if (kvTransfer.restore(slot, s.request.restoreKv(), a.reuse())) {
                counters.kvRestores++;
            } else {
                counters.kvRestoreFailures++;
                s.numComputed = 0;
                ledger.clear(slot);
                ledger.fresh(slot, 0);
            }
        } else if (a.copyFrom() >= 0) {
            context.removeSequence(slot, -1, -1);
            context.copySequence(a.copyFrom(), slot, 0, a.reuse());
        } else {
            context.removeSequence(slot, a.reuse(), -1);
        }
        if (first) {
            queued.decrementAndGet(); // preempted ones left the queued count when first admitted
            releaseRestore(s);
            s.cachedPromptTokens = Math.min(s.numComputed, s.promptLength);
            counters.prefixReusedTokens += s.cachedPromptTokens;
            try {
                s.openNative(vocab, this::specials);
            } catch (RuntimeException e) {
                // Engine.submit parsed the grammar already; whatever fails here fails this sequence only.
                LOG.log(System.Logger.Level.WARNING, "cannot set up sampling for " + s.id(), e);
                s.fail("cannot set up sampling: " + e.getMessage());
            }
        }
    }

    /** The engine owns a request's snapshot: freed once the first admission used it (or did not need it). */
    private static void releaseRestore(Sequence s) {
        KvState restore = s.request.restoreKv();
        if (restore != null) {
            restore.close();
        }
    }

    private void fillBatch(SchedulerOutput plan, long t0) {
        batch.clear();
        for (SchedulerOutput.Chunk c : plan.chunks()) {
            Sequence s = c.sequence();
            if (s.firstScheduledNanos == 0) {
                s.firstScheduledNanos = t0;
            }
            int[] tokens = s.tokens();
            int from = s.numComputed;
            boolean logits = c.completes();
            for (int i = 0; i < c.count(); i++) {
                int pos = from + i;
                int row = batch.add(tokens[pos], pos, s.slot, logits && i == c.count() - 1);
                if (logits && i == c.count() - 1) {
                    s.sampleRow = row;
                }
            }
        }
    }

    private void afterDecode(SchedulerOutput plan, long t0) {
        long now = System.nanoTime();
        int prefilled = 0;
        long decodeNanos = now - t0;
        int batchTokens = Math.max(1, plan.batchTokens());
        for (SchedulerOutput.Chunk c : plan.chunks()) {
            // The batch's decode time, by each sequence's share of its tokens (a long prompt chunk pays for itself).
            c.sequence().computeNanos += decodeNanos * c.count() / batchTokens;
            prefilled += c.sequence().computed(c.count(), now);
        }
        counters.prefilledTokens += prefilled;
        for (SchedulerOutput.Chunk c : plan.chunks()) {
            Sequence s = c.sequence();
            if (s.sampleRow >= 0 && s.status == Sequence.Status.RUNNING) {
                long before = System.nanoTime();
                sampleAndEmit(s);
                s.computeNanos += System.nanoTime() - before; // its own sampling (grammar masks included)
            }
        }
        // Step counters before completions: whoever waits on a completion sees this step counted.
        counters.lastStepBatchTokens = plan.batchTokens();
        counters.lastStepNanos = System.nanoTime() - t0;
        counters.steps++;
        releaseFinished();
        publishGauges();
    }

    private void publishGauges() {
        counters.activeSequences = running.size();
        counters.kvCellsUsed = ledger.used();
    }

    private void clearSampleRows(SchedulerOutput plan) {
        for (SchedulerOutput.Chunk c : plan.chunks()) {
            c.sequence().sampleRow = -1;
        }
    }

    private void sampleAndEmit(Sequence s) {
        int row = s.sampleRow;
        s.sampleRow = -1;
        int token;
        if (s.constrained == null) {
            token = s.sampler.sample(context, row);
        } else {
            try {
                long resamplesBefore = s.constrained.resamples;
                token = s.constrained.sample(s.sampler, context.logits(row), candidates());
                counters.constrainedTokens++;
                counters.grammarResamples += s.constrained.resamples - resamplesBefore;
            } catch (RuntimeException e) {
                // A refused grammar accept (never native) or a bug: this sequence fails, the batch goes on.
                LOG.log(System.Logger.Level.ERROR, "constrained sampling failed for " + s.id(), e);
                s.fail("constrained sampling failed: " + e.getMessage());
                return;
            }
            if (token == ConstrainedSampler.DEAD_END) {
                counters.grammarDeadEnds++;
                s.deadEnd(s.constrained.deadEndReason());
                return;
            }
        }
        int top = s.request.topLogprobs();
        if (top >= 0) {
            s.pendingLogprobs = Logprobs.of(context.logits(row), token, top);
        }
        if (s.accept(token, vocab, System.nanoTime())) {
            counters.generatedTokens++;
        }
    }

    private TokenDataArray candidates() {
        if (candidates == null) {
            candidates = new TokenDataArray(vocab.size());
        }
        return candidates;
    }

    private SpecialTokens specials() {
        if (specials == null) {
            specials = SpecialTokens.of(vocab);
        }
        return specials;
    }

    private void releaseFinished() {
        for (int i = running.size() - 1; i >= 0; i--) {
            Sequence s = running.get(i);
            if (s.status == Sequence.Status.FINISHED) {
                finish(s, s.finishReason, s.failure, s.failure != null);
            } else if (s.listenerError != null) {
                finish(s, FinishReason.ERROR, s.listenerError, true);
            }
        }
    }

    /**
     * Ends a running sequence. Normal ends keep the slot's KV for prefix reuse; cancelled and
     * failed ones free it at once (their KV may be partial, and the caller expects it back).
     */
    private void finish(Sequence s, FinishReason reason, String error, boolean freeKv) {
        running.remove(s);
        scheduler.sequenceFinished();
        KvState kv = null;
        if (s.slot >= 0) {
            int slot = s.slot;
            if (!freeKv && s.request.captureKv() && (reason == FinishReason.STOP || reason == FinishReason.LENGTH)) {
                kv = kvTransfer.capture(slot, s.tokens(), s.numComputed);
                if (kv != null) {
                    counters.kvCaptures++;
                }
            }
            slots.release(slot);
            if (freeKv) {
                context.removeSequence(slot, -1, -1);
                slots.forget(slot);
                ledger.clear(slot);
            }
            s.slot = -1;
        }
        s.closeNative();
        // Gauges first: whoever waits on the completion may read them at once.
        publishGauges();
        s.complete(reason, error, kv);
    }

    /** A waiting sequence leaves without running (cancelled, shut down, or it cannot fit). */
    private void dropWaiting(Sequence s, FinishReason reason, String error) {
        if (s.preemptions == 0) {
            queued.decrementAndGet(); // preempted ones left the queued count when first admitted
            releaseRestore(s); // never admitted: the snapshot was not used
        }
        s.closeNative();
        s.complete(reason, error, null);
    }

    /** A decode failure other than a full cache: the sequences in this batch fail, the engine goes on. */
    private void failBatch(SchedulerOutput plan, DecodeException e) {
        LOG.log(System.Logger.Level.ERROR, "decode failed for a batch of " + plan.batchTokens() + " tokens", e);
        for (SchedulerOutput.Chunk c : plan.chunks()) {
            Sequence s = c.sequence();
            if (s.status == Sequence.Status.RUNNING) {
                finish(s, FinishReason.ERROR, "decode failed: " + e.getMessage(), true);
            }
        }
    }

    /** On the engine thread at exit: cancel what is left and free native memory. */
    private void shutdown() {
        drainInbox();
        for (Sequence s : waiting.removeIf(s -> true)) {
            dropWaiting(s, FinishReason.CANCELLED, "engine shut down");
        }
        for (Sequence s : new ArrayList<>(running)) {
            finish(s, FinishReason.CANCELLED, "engine shut down", true);
        }
        batch.close();
        if (candidates != null) {
            candidates.close();
        }
        kvTransfer.close();
        context.close();
        idle = true;
    }
}
