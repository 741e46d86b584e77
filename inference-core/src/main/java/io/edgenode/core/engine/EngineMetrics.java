package io.edgenode.core.engine;

/**
 * A snapshot of an engine's gauges and counters, for /metrics and tests.
 *
 * @param kvCellsUsed KV cells held by all slots, including idle slots kept for prefix reuse (a prefix
 *     shared through {@code seq_cp} counted once), as the engine's ledger counts them
 * @param prefixReusedTokens prompt tokens served from cached KV instead of being prefilled
 *     (resident slots and restored snapshots)
 * @param kvRestores session snapshots restored into a slot
 * @param kvRestoreFailures snapshots llama.cpp refused (the prompt was prefilled instead)
 * @param kvCaptures KV states captured at the end of a sequence (session hibernation)
 * @param constrainedTokens tokens sampled while a grammar held
 * @param grammarResamples of those, tokens the grammar refused at first, so that the row was sampled
 *     again under the grammar's mask (the slow path), plus trigger-word overruns refused
 * @param grammarDeadEnds sequences ended because the grammar allowed no token of the vocabulary
 */
public record EngineMetrics(
        int queueDepth,
        int activeSequences,
        int lastStepBatchTokens,
        long lastStepNanos,
        int kvCellsUsed,
        long prefixReusedTokens,
        long prefilledTokens,
        long generatedTokens,
        long steps,
        long preemptions,
        long kvRestores,
        long kvRestoreFailures,
        long kvCaptures,
        long constrainedTokens,
        long grammarResamples,
        long grammarDeadEnds) {

    /** Counters without grammar constraints. */
    public EngineMetrics(int queueDepth, int activeSequences, int lastStepBatchTokens, long lastStepNanos,
            int kvCellsUsed, long prefixReusedTokens, long prefilledTokens, long generatedTokens, long steps,
            long preemptions, long kvRestores, long kvRestoreFailures, long kvCaptures) {
        this(queueDepth, activeSequences, lastStepBatchTokens, lastStepNanos, kvCellsUsed, prefixReusedTokens,
                prefilledTokens, generatedTokens, steps, preemptions, kvRestores, kvRestoreFailures, kvCaptures, 0, 0,
                0);
    }

    /** Counters without KV hibernation (tests, older callers). */
    public EngineMetrics(int queueDepth, int activeSequences, int lastStepBatchTokens, long lastStepNanos,
            int kvCellsUsed, long prefixReusedTokens, long prefilledTokens, long generatedTokens, long steps,
            long preemptions) {
        this(queueDepth, activeSequences, lastStepBatchTokens, lastStepNanos, kvCellsUsed, prefixReusedTokens,
                prefilledTokens, generatedTokens, steps, preemptions, 0, 0, 0);
    }
}
