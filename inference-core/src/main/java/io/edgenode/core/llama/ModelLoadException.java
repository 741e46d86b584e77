package io.edgenode.core.llama;

/** llama.cpp refused to load a model file or to create a context for it. */
public final class ModelLoadException extends LlamaException {
    public ModelLoadException(String message) {
        super(message);
    }
}
