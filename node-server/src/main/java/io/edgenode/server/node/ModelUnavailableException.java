package io.edgenode.server.node;

/**
 * A model cannot serve now: its load failed, it does not fit the memory budget, or it did not
 * finish loading within the wait. The message is for clients (no internals).
 */
public final class ModelUnavailableException extends Exception {
    public enum Reason { LOAD_FAILED, OVER_BUDGET, LOAD_TIMEOUT, SHUT_DOWN }

    private final Reason reason;

    public ModelUnavailableException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
