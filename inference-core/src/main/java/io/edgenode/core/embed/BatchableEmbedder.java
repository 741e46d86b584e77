package io.edgenode.core.embed;

import java.util.List;

/**
 * An {@link Embedder} that {@link BatchingEmbedder} can put behind its workers: it splits a call
 * into validation (on the caller's thread) and runs of already-checked inputs (on a worker).
 */
public sealed interface BatchableEmbedder extends Embedder permits OnnxEmbedder, LlamaEmbedder {

    /** Most inputs in one run. */
    int maxBatch();

    /** Model runs so far (a batching test counts them). */
    long runs();

    /**
     * Whether one thread must do every run (a native context that is not thread-safe): the
     * batcher then runs it on exactly one worker.
     */
    boolean threadConfined();

    /**
     * The ids of {@code texts}, special tokens added, each checked against {@link #maxInputTokens()}.
     * Safe from any thread: callers tokenize on their own thread.
     *
     * @throws EmbeddingInputException an input is too long or yields no tokens
     */
    List<int[]> tokenize(List<String> texts);

    /**
     * Checks token-id inputs: non-empty, within the length, ids in the vocabulary. Safe from any thread.
     *
     * @throws EmbeddingInputException the first bad input
     */
    void validate(List<int[]> tokenIds);

    /** Inputs already tokenized and validated, run in chunks of {@link #maxBatch()}. */
    EmbeddingResult embedChecked(List<int[]> ids);

    /** One run of at most {@link #maxBatch()} validated inputs: pooled, normalised vectors in order. */
    float[][] run(List<int[]> batch);
}
