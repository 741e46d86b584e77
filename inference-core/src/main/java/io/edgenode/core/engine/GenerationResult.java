package io.edgenode.core.engine;

/** The end of one generation: why it ended, what it cost, and the error message when it failed. */
public record GenerationResult(String requestId, FinishReason finishReason, Usage usage, String error) {
    public boolean failed() {
        return finishReason == FinishReason.ERROR;
    }
}
