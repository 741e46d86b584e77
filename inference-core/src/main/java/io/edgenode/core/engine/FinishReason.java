package io.edgenode.core.engine;

/**
 * Why a generation ended. OpenAI's {@code finish_reason} values where they exist
 * ({@code stop}, {@code length}), plus ours.
 */
public enum FinishReason {
    /** End-of-generation token or a stop string. */
    STOP,
    /** {@code maxTokens} reached. */
    LENGTH,
    /** {@code cancel()}, a consumer that stopped, or shutdown. */
    CANCELLED,
    /** A native failure or a broken consumer; the result's message says which. */
    ERROR;

    public String apiName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
