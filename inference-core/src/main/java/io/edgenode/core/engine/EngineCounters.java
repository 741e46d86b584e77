package io.edgenode.core.engine;

/**
 * Written by the engine thread only, read by any thread: the engine's gauges and counters (plain
 * increments of volatile fields are safe with one writer; readers take a {@link #snapshot}).
 */
final class EngineCounters {
    volatile int activeSequences;
    volatile int lastStepBatchTokens;
    volatile long lastStepNanos;
    volatile int kvCellsUsed;
    volatile long prefixReusedTokens;
    volatile long prefilledTokens;
    volatile long generatedTokens;
    volatile long steps;
    volatile long preemptions;
    volatile long kvRestores;
    volatile long kvRestoreFailures;
    volatile long kvCaptures;
    volatile long constrainedTokens;
    volatile long grammarResamples;
    volatile long grammarDeadEnds;
    /** Batches retried smaller because llama.cpp found no KV room the ledger expected (not exported yet). */
    volatile long kvFullRetries;

    EngineMetrics snapshot(int queueDepth) {
        return new EngineMetrics(queueDepth, activeSequences, lastStepBatchTokens, lastStepNanos, kvCellsUsed,
                prefixReusedTokens, prefilledTokens, generatedTokens, steps, preemptions, kvRestores,
                kvRestoreFailures, kvCaptures, constrainedTokens, grammarResamples, grammarDeadEnds);
    }
}
