package io.edgenode.core.llama;

/** A failure reported by llama.cpp or by the binding around it. Subtypes say which boundary failed. */
public class LlamaException extends RuntimeException {
    public LlamaException(String message) {
        super(message);
    }

    public LlamaException(String message, Throwable cause) {
        super(message, cause);
    }
}
