package io.edgenode.core.llama;

/**
 * {@code llama_decode} returned non-zero. {@link #code()} keeps llama.cpp's meaning: 1 means no KV
 * slot was found for the batch (recoverable: free cells or shrink the batch), 2 means aborted,
 * -1 invalid input, anything below -1 a fatal compute error.
 */
public final class DecodeException extends LlamaException {
    private final int code;

    public DecodeException(int code, String message) {
        super(message);
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** True when the batch failed only for lack of KV cells: the context is intact. */
    public boolean isKvCacheFull() {
        return code == 1;
    }
}
