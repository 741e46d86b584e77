package io.edgenode.core.llama;

/** The llama.cpp shared libraries are missing, unloadable, or not the pinned release. */
public final class LlamaLibraryException extends LlamaException {
    public LlamaLibraryException(String message) {
        super(message);
    }

    public LlamaLibraryException(String message, Throwable cause) {
        super(message, cause);
    }
}
