package io.edgenode.core.engine;

import io.edgenode.core.llama.Batch;
import io.edgenode.core.llama.DecodeException;
import io.edgenode.core.llama.LlamaContext;
import io.edgenode.core.llama.SamplerChain;
import io.edgenode.core.llama.Vocab;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's decode loop. Confined to the engine thread: it alone touches the context, the
 * batch, the slots and the sequences' samplers. A duty cycle (STYLE 2): drain the inbox, handle
 * cancellations, admit waiting requests into free slots (reusing cached prefixes), schedule,
 * build one batch, decode, sample and emit, release what finished. It blocks on the inbox when
 * there is nothing to do: no spinning.
 *
 * <p>KV exhaustion ({@code llama_decode} returns 1): first free slots' cached prefixes are
 * dropped (least recently used first), then the youngest running sequence is preempted: its KV
 * is removed and it goes back to the front of the queue keeping its generated tokens, to be
 * recomputed when a slot is free (vLLM's recompute preemption). The client sees a pause, not an
 * error; llama.cpp never aborts.
 */
final class DecodeLoop {
    private static final System.Logger LOG = System.getLogger(DecodeLoop.class.getName());

    private final LlamaContext context;
    private final Vocab vocab;
    private final EngineConfig config;
    private final BlockingQueue<Sequence> inbox;
    private final AtomicInteger queued;
    private final Batch batch;
    private final SlotTable slots;
    private final FairQueue waiting = new FairQueue();
    private final List<Sequence> running = new ArrayList<>();
    private final Scheduler scheduler;
    private final List<Sequence> drained = new ArrayList<>();
    /** Set by a preemption, cleared when a sequence finishes: re-admitting at once would just preempt again. */
    private boolean admissionsPaused;
    private volatile boolean stop;
    private volatile boolean idle = true;

    // Gauges and counters, written by the engine thread only, read by metrics().
    private volatile int activeSequences;
    private volatile int lastStepBatchTokens;
    private volatile long lastStepNanos;
    private volatile int kvCellsUsed;
    private volatile long prefixReusedTokens;
    private volatile long prefilledTokens;
    private volatile long generatedTokens;
    private volatile long steps;
    private volatile long preemptions;
    private volatile long kvRestores;
    private volatile long kvRestoreFailures;
    private volatile long kvCaptures;

    /** Off-heap staging for KV state copies, created on the engine thread, grown on demand. */
    private Arena stateArena;
    private MemorySegment stateBuffer;

    DecodeLoop(LlamaContext context, EngineConfig config, BlockingQueue<Sequence> inbox, AtomicInteger queued) {
        this.context = context;
        this.vocab = context.model().vocab();
        this.config = config;
        this.inbox = inbox;
        this.queued = queued;
        this.batch = new Batch(config.maxBatchTokens(), 1);
        this.slots = new SlotTable(config.parallel());
        this.scheduler = new Scheduler(config.maxBatchTokens());
    }

    EngineMetrics metrics(int queueDepth) {
        return new EngineMetrics(queueDepth, activeSequences, lastStepBatchTokens, lastStepNanos, kvCellsUsed,
                prefixReusedTokens, prefilledTokens, generatedTokens, steps, preemptions, kvRestores, kvRestoreFailures,
                kvCaptures);
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
                    admit();
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
            dropWaiting(s, null);
        }
        for (int i = running.size() - 1; i >= 0; i--) {
            Sequence s = running.get(i);
            if (s.cancelRequested) {
                finish(s, FinishReason.CANCELLED, null, true);
            }
        }
    }

    /** Gives free slots to waiting sequences, tenant by tenant, reusing the longest cached prefix. */
    private void admit() {
        if (running.isEmpty()) {
            admissionsPaused = false; // nothing left to wait for
        }
        while (!admissionsPaused && !waiting.isEmpty() && slots.hasFreeSlot()) {
            Sequence s = waiting.poll();
            if (s.preemptions == 0) {
                queued.decrementAndGet();
            }
            SlotTable.Choice choice = slots.choose(s.tokens(), s.length());
            int slot = choice.slot();
            int reuse = s.preemptions == 0 && s.request.restoreKv() != null ? restoreSnapshot(slot, s, choice) : -1;
            if (reuse >= 0) {
                // restored (or refused and emptied): the slot holds exactly the reused prefix
            } else if (choice.copyFrom() >= 0) {
                context.removeSequence(slot, -1, -1);
                context.copySequence(choice.copyFrom(), slot, 0, choice.reuse());
                reuse = choice.reuse();
            } else {
                context.removeSequence(slot, choice.reuse(), -1);
                reuse = choice.reuse();
            }
            slots.forget(slot);
            slots.assign(slot, s);
            s.numComputed = reuse;
            if (s.preemptions == 0) {
                s.cachedPromptTokens = Math.min(reuse, s.promptLength);
                prefixReusedTokens += s.cachedPromptTokens;
                s.sampler = SamplerChain.create(vocab, s.request.sampling());
                s.decoder = new TokenTextDecoder(vocab);
                s.stopMatcher = new StopMatcher(s.request.stop());
            }
            s.status = Sequence.Status.RUNNING;
            running.add(s);
        }
        activeSequences = running.size();
    }

    /**
     * Restores the request's session snapshot into free {@code slot} when it covers more of the
     * prompt than the best resident cache ({@code choice}); a session whose KV is still resident
     * uses it directly. Returns the tokens reused from the snapshot, 0 when llama.cpp refused it
     * (the slot is then empty and the prompt is prefilled), or -1 when the snapshot was not used.
     */
    private int restoreSnapshot(int slot, Sequence s, SlotTable.Choice choice) {
        KvState kv = s.request.restoreKv();
        int[] kvTokens = kv.tokens();
        int lcp = Math.min(s.length() - 1, SlotTable.commonPrefix(kvTokens, kvTokens.length, s.tokens(), s.length()));
        if (lcp <= choice.reuse()) {
            return -1;
        }
        context.removeSequence(slot, -1, -1);
        MemorySegment src = stateStaging(kv.state().length);
        MemorySegment.copy(kv.state(), 0, src, ValueLayout.JAVA_BYTE, 0, kv.state().length);
        long read = context.restoreSequenceState(slot, src);
        // A well-formed snapshot of other tokens would restore "successfully": check the positions too.
        if (read == 0 || context.sequenceMaxPosition(slot) != kvTokens.length - 1
                || context.sequenceMinPosition(slot) != 0) {
            context.removeSequence(slot, -1, -1);
            kvRestoreFailures++;
            LOG.log(System.Logger.Level.WARNING, "KV snapshot of {0} ({1} tokens) refused; prefilling instead",
                    s.id(), kvTokens.length);
            return 0;
        }
        context.removeSequence(slot, lcp, -1);
        kvRestores++;
        return lcp;
    }

    /** The sequence's KV state with the tokens it holds, or null when llama.cpp cannot serialize it. */
    private KvState captureState(int slot, Sequence s) {
        long size = context.sequenceStateSize(slot);
        if (size <= 0 || size > Integer.MAX_VALUE - 64) {
            return null;
        }
        MemorySegment dst = stateStaging(size);
        long written = context.saveSequenceState(slot, dst);
        if (written <= 0) {
            return null;
        }
        byte[] bytes = new byte[(int) written];
        MemorySegment.copy(dst, ValueLayout.JAVA_BYTE, 0, bytes, 0, (int) written);
        kvCaptures++;
        return new KvState(Arrays.copyOf(s.tokens(), s.numComputed), bytes);
    }

    /**
     * {@code size} bytes of the off-heap staging buffer for KV state copies (llama.cpp reads and
     * writes native memory; the snapshots travel as byte arrays). Grown on demand, kept between
     * turns, freed at shutdown.
     */
    private MemorySegment stateStaging(long size) {
        if (stateBuffer == null || stateBuffer.byteSize() < size) {
            long capacity = Math.max(Math.max(size, 1), stateBuffer == null ? 0 : stateBuffer.byteSize() * 2);
            if (stateArena != null) {
                stateArena.close();
            }
            stateArena = Arena.ofConfined();
            stateBuffer = stateArena.allocate(capacity);
        }
        return stateBuffer.asSlice(0, size);
    }

    private void step() {
        SchedulerOutput plan = scheduler.schedule(running);
        if (plan.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
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
        try {
            context.decode(batch);
        } catch (DecodeException e) {
            clearSampleRows(plan);
            if (e.isKvCacheFull()) {
                relieveKvPressure();
            } else {
                failBatch(plan, e);
            }
            return;
        }
        long now = System.nanoTime();
        int prefilled = 0;
        for (SchedulerOutput.Chunk c : plan.chunks()) {
            Sequence s = c.sequence();
            int promptPart = Math.max(0, Math.min(s.promptLength, s.numComputed + c.count()) - s.numComputed);
            s.numComputed += c.count();
            prefilled += promptPart;
            if (promptPart > 0 && !s.isPrefilling()) {
                s.prefillDoneNanos = now;
            }
        }
        prefilledTokens += prefilled;
        for (SchedulerOutput.Chunk c : plan.chunks()) {
            Sequence s = c.sequence();
            if (s.sampleRow >= 0 && s.status == Sequence.Status.RUNNING) {
                sampleAndEmit(s);
            }
        }
        // Step counters before completions: whoever waits on a completion sees this step counted.
        lastStepBatchTokens = plan.batchTokens();
        lastStepNanos = System.nanoTime() - t0;
        steps++;
        releaseFinished();
        kvCellsUsed = slots.cellsReferenced();
    }

    private void clearSampleRows(SchedulerOutput plan) {
        for (SchedulerOutput.Chunk c : plan.chunks()) {
            c.sequence().sampleRow = -1;
        }
    }

    private void sampleAndEmit(Sequence s) {
        int row = s.sampleRow;
        s.sampleRow = -1;
        int token = s.sampler.sample(context, row);
        long now = System.nanoTime();
        if (s.generated == 0) {
            s.firstTokenNanos = now;
        }
        s.lastTokenNanos = now;
        if (!s.request.ignoreEos() && vocab.isEndOfGeneration(token)) {
            s.status = Sequence.Status.FINISHED;
            emit(s, s.stopMatcher.append(s.decoder.flush()) + s.stopMatcher.flush());
            pendingFinish(s, FinishReason.STOP);
            return;
        }
        s.appendToken(token);
        generatedTokens++;
        try {
            s.request.listener().onToken(token);
        } catch (RuntimeException e) {
            s.listenerError = "listener failed: " + e;
        }
        String text = s.stopMatcher.append(s.decoder.append(token));
        if (s.stopMatcher.stopped()) {
            emit(s, text);
            pendingFinish(s, FinishReason.STOP);
            return;
        }
        if (s.generated >= s.request.maxTokens()) {
            emit(s, text + s.stopMatcher.append(s.decoder.flush()) + s.stopMatcher.flush());
            pendingFinish(s, FinishReason.LENGTH);
            return;
        }
        emit(s, text);
    }

    private void emit(Sequence s, String text) {
        if (text.isEmpty()) {
            return;
        }
        try {
            s.request.listener().onText(text);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "listener of " + s.id() + " failed; cancelling it", e);
            s.cancelRequested = true;
            s.listenerError = "listener failed: " + e;
        }
    }

    /** Marks a sequence to finish once this step's sampling is over (it may be mid-iteration). */
    private void pendingFinish(Sequence s, FinishReason reason) {
        s.status = Sequence.Status.FINISHED;
        s.finishReason = reason;
    }

    private void releaseFinished() {
        for (int i = running.size() - 1; i >= 0; i--) {
            Sequence s = running.get(i);
            if (s.status == Sequence.Status.FINISHED) {
                finish(s, s.finishReason, null, false);
            } else if (s.listenerError != null) {
                finish(s, FinishReason.ERROR, s.listenerError, true);
            }
        }
        activeSequences = running.size();
    }

    /**
     * Ends a running sequence. Normal ends keep the slot's KV for prefix reuse; cancelled and
     * failed ones free it at once (their KV may be partial, and the caller expects it back).
     */
    private void finish(Sequence s, FinishReason reason, String error, boolean freeKv) {
        running.remove(s);
        admissionsPaused = false;
        KvState kv = null;
        if (s.slot >= 0) {
            int slot = s.slot;
            if (!freeKv && s.request.captureKv() && (reason == FinishReason.STOP || reason == FinishReason.LENGTH)) {
                kv = captureState(slot, s);
            }
            slots.release(slot);
            if (freeKv) {
                context.removeSequence(slot, -1, -1);
                slots.forget(slot);
            }
            s.slot = -1;
        }
        closeNative(s);
        // Gauges first: whoever waits on the completion may read them at once.
        activeSequences = running.size();
        kvCellsUsed = slots.cellsReferenced();
        complete(s, reason, error, kv);
    }

    private void closeNative(Sequence s) {
        if (s.sampler != null) {
            s.sampler.close();
            s.sampler = null;
        }
        if (s.decoder != null) {
            s.decoder.close();
            s.decoder = null;
        }
    }

    /** A waiting sequence leaves without running (cancelled, shutdown). */
    private void dropWaiting(Sequence s, String error) {
        if (s.preemptions == 0) {
            queued.decrementAndGet(); // preempted ones left the queued count when first admitted
        }
        closeNative(s);
        complete(s, FinishReason.CANCELLED, error, null);
    }

    private void complete(Sequence s, FinishReason reason, String error, KvState kv) {
        s.status = Sequence.Status.FINISHED;
        long first = s.firstTokenNanos;
        Usage usage = new Usage(
                s.promptLength,
                s.cachedPromptTokens,
                s.generated,
                s.firstScheduledNanos == 0 ? 0 : s.firstScheduledNanos - s.submitNanos,
                s.prefillDoneNanos == 0 ? 0 : s.prefillDoneNanos - s.firstScheduledNanos,
                first == 0 ? 0 : first - s.submitNanos,
                s.generated > 1 && s.lastTokenNanos > first ? (s.generated - 1) * 1e9 / (s.lastTokenNanos - first) : 0);
        String stopString = s.stopMatcher == null ? null : s.stopMatcher.matched();
        GenerationResult result = new GenerationResult(s.id(), reason, usage, error,
                Arrays.copyOf(s.tokens(), s.length()), stopString, kv);
        try {
            s.request.listener().onComplete(result);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "listener of " + s.id() + " failed in onComplete", e);
        }
        s.completion.complete(result);
    }

    /** No KV cell for the batch: drop an idle slot's cache, else preempt the youngest running sequence. */
    private void relieveKvPressure() {
        int idleSlot = slots.evictionCandidate();
        if (idleSlot >= 0) {
            context.removeSequence(idleSlot, -1, -1);
            slots.forget(idleSlot);
            return;
        }
        Sequence youngest = null;
        for (Sequence s : running) {
            if (youngest == null || s.arrival > youngest.arrival) {
                youngest = s;
            }
        }
        if (youngest == null) {
            return;
        }
        if (running.size() == 1) {
            // Alone and still out of cells: it cannot fit this context; end it instead of looping.
            finish(youngest, FinishReason.ERROR, "KV cache full: the context cannot hold this sequence", true);
            return;
        }
        running.remove(youngest);
        int slot = youngest.slot;
        context.removeSequence(slot, -1, -1);
        slots.release(slot);
        slots.forget(slot);
        youngest.slot = -1;
        youngest.numComputed = 0;
        youngest.preemptions++;
        youngest.status = Sequence.Status.WAITING;
        waiting.addFirst(youngest);
        admissionsPaused = true;
        preemptions++;
        activeSequences = running.size();
        LOG.log(System.Logger.Level.DEBUG, "KV cache full: preempted {0} (will recompute {1} tokens)",
                youngest.id(), youngest.length());
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
            dropWaiting(s, "engine shut down");
        }
        for (Sequence s : new ArrayList<>(running)) {
            finish(s, FinishReason.CANCELLED, "engine shut down", true);
        }
        batch.close();
        context.close();
        if (stateArena != null) {
            stateArena.close();
        }
        idle = true;
    }
}
