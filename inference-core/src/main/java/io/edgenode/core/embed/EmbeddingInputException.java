package io.edgenode.core.embed;

/**
 * One input of an {@link Embedder} call cannot be embedded (too long, empty, an id outside the
 * vocabulary). The caller's fault: the server answers 400 naming {@link #index()}.
 */
public final class EmbeddingInputException extends IllegalArgumentException {

    private final int index;

    public EmbeddingInputException(int index, String message) {
        super(message);
        this.index = index;
    }

    /** Position of the offending input in the call's list. */
    public int index() {
        return index;
    }
}
