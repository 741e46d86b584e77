package io.edgenode.core.engine;

/**
 * {@code submit} refused a request before it ran: the engine is {@link Reason#OVERLOADED} (queue
 * full: retry later), the request can never fit ({@link Reason#CONTEXT_LENGTH_EXCEEDED}), or the
 * engine is {@link Reason#SHUT_DOWN}.
 */
public final class EngineRejectedException extends RuntimeException {
    public enum Reason { OVERLOADED, CONTEXT_LENGTH_EXCEEDED, SHUT_DOWN }

    private final Reason reason;

    public EngineRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
