package io.edgenode.core.engine;

/**
 * The engine's gauges and counters. Written by the engine thread only (so plain increments of
 * volatile fields are safe: one writer), read by any thread through {@link #snapshot}.
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
    /** Batches retried smaller because llama.cpp found no KV room the ledger expected (not exported yet). */
    volatile long kvFullRetries;

    EngineMetrics snapshot(int queueDepth) {
        return new EngineMetrics(queueDepth, activeSequences, lastStepBatchTokens, lastStepNanos, kvCellsUsed,
                prefixReusedTokens, prefilledTokens, generatedTokens, steps, preemptions, kvRestores,
                kvRestoreFailures, kvCaptures);
    }
}
