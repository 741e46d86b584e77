package io.edgenode.core.embed;

import java.util.Objects;

/**
 * One input of an {@link Embedder} call cannot be embedded (too long, empty, an id outside the
 * vocabulary). The caller's fault: the server answers 400 naming {@link #index()}.
 */
public final class EmbeddingInputException extends IllegalArgumentException {

    /** What is wrong with the input. */
    public enum Reason {
        /** More tokens than {@link Embedder#maxInputTokens()}. */
        TOO_LONG,
        /** No tokens, or a token id outside the vocabulary. */
        INVALID
    }

    private final int index;
    private final Reason reason;

    public EmbeddingInputException(int index, Reason reason, String message) {
        super(message);
        this.index = index;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Position of the offending input in the call's list. */
    public int index() {
        return index;
    }

    public Reason reason() {
        return reason;
    }
}
