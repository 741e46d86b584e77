package io.edgenode.server.session;

/**
 * A state document over {@link SessionState#MAX_JSON_BYTES}. An {@link IllegalArgumentException} like every other
 * invalid input of the store; its own type so that the HTTP layer can answer {@code state_too_large}.
 */
public final class StateTooLargeException extends IllegalArgumentException {
    private final int bytes;

    public StateTooLargeException(int bytes) {
        super("the state document is " + bytes + " bytes of JSON; at most " + SessionState.MAX_JSON_BYTES
                + " are allowed");
        this.bytes = bytes;
    }

    /** The refused document's size in bytes of UTF-8. */
    public int bytes() {
        return bytes;
    }
}
