package io.edgenode.core.embed;

/** The embedder's queue is full: the caller should retry later (the server answers 429). */
public final class EmbeddingOverloadedException extends RuntimeException {
    public EmbeddingOverloadedException(String message) {
        super(message);
    }
}
