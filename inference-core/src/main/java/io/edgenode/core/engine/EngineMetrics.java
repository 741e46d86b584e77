package io.edgenode.core.engine;

/**
 * A snapshot of an engine's gauges and counters, for /metrics and tests.
 *
 * @param kvCellsUsed KV cells held by all sequences, including idle slots kept for prefix reuse
 * @param prefixReusedTokens prompt tokens served from cached KV instead of being prefilled
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
        long preemptions) {}
