package io.edgenode.core.embed;

/** The embedding model failed to load or to run (not the input's fault: the server answers 5xx). */
public final class EmbeddingException extends RuntimeException {

    public EmbeddingException(String message, Throwable cause) {
        super(message, cause);
    }

    public EmbeddingException(String message) {
        super(message);
    }
}
