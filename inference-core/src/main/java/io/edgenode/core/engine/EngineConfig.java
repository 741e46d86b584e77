package io.edgenode.core.engine;

/**
 * Engine settings. {@code contextSize} KV cells are shared by {@code parallel} sequences (a
 * unified cache). One request may use at most {@code maxSequenceTokens} of them (prompt plus max
 * tokens); the default, {@code contextSize / parallel}, is llama-server's slot share, with which
 * running sequences always fit together. A larger value admits longer requests optimistically;
 * when the cells run out, the youngest sequence is preempted and recomputed later.
 * {@code maxBatchTokens} caps the tokens of one step (decode tokens plus prompt chunks);
 * {@code maxQueue} caps waiting requests (over it, submit fails at once).
 */
public record EngineConfig(
        int parallel,
        int contextSize,
        int maxBatchTokens,
        int maxQueue,
        int threads,
        int threadPoll,
        int maxSequenceTokens) {

    public EngineConfig {
        if (parallel < 1 || contextSize < parallel || maxBatchTokens < parallel || maxQueue < 1 || threads < 1
                || maxSequenceTokens < 1 || maxSequenceTokens > contextSize) {
            throw new IllegalArgumentException("invalid engine config: " + this);
        }
    }

    /** 8 sequences, 4096 cells, 256 tokens a step, 64 queued, all cores. */
    public static EngineConfig defaults() {
        return new EngineConfig(8, 4096, 256, 64, Runtime.getRuntime().availableProcessors(), 0, 4096 / 8);
    }


    /** Changes parallel sequences; the per-sequence limit follows as {@code contextSize / parallel}. */
    public EngineConfig withParallel(int p) {
        return new EngineConfig(p, contextSize, maxBatchTokens, maxQueue, threads, threadPoll, contextSize / p);
    }

    /** Changes the context; the per-sequence limit follows as {@code contextSize / parallel}. */
    public EngineConfig withContextSize(int n) {
        return new EngineConfig(parallel, n, maxBatchTokens, maxQueue, threads, threadPoll, n / parallel);
    }

    public EngineConfig withMaxBatchTokens(int n) {
        return new EngineConfig(parallel, contextSize, n, maxQueue, threads, threadPoll, maxSequenceTokens);
    }

    public EngineConfig withMaxQueue(int n) {
        return new EngineConfig(parallel, contextSize, maxBatchTokens, n, threads, threadPoll, maxSequenceTokens);
    }

    public EngineConfig withThreads(int n) {
        return new EngineConfig(parallel, contextSize, maxBatchTokens, maxQueue, n, threadPoll, maxSequenceTokens);
    }

    /** ggml's worker polling level 0..100 (0: sleep between steps; see CpuThreadPool). */
    public EngineConfig withThreadPoll(int poll) {
        return new EngineConfig(parallel, contextSize, maxBatchTokens, maxQueue, threads, poll, maxSequenceTokens);
    }

    public EngineConfig withMaxSequenceTokens(int n) {
        return new EngineConfig(parallel, contextSize, maxBatchTokens, maxQueue, threads, threadPoll, n);
    }
}
