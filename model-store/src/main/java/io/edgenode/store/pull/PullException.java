package io.edgenode.store.pull;

import java.io.IOException;
import java.util.Objects;

/** Why a pull failed; the message is one line that names the URL or file concerned. */
public final class PullException extends IOException {
    /** The failure's kind, for callers that map it (an HTTP status, a CLI hint). */
    public enum Kind {
        /** The host cannot be resolved or reached. */
        OFFLINE,
        /** The server answered with an error status (see {@link #httpStatus()}). */
        HTTP_STATUS,
        /** The bytes do not hash to the expected sha256; nothing was published. */
        CHECKSUM_MISMATCH,
        /** The target's file store has less usable space than the download needs. */
        INSUFFICIENT_DISK,
        /** Reading, writing or the transfer itself failed (a stall, a cut connection). */
        IO,
        /** The puller was closed while the pull ran; the {@code .part} file is kept for a resume. */
        CANCELLED
    }

    private final Kind kind;
    private final int httpStatus;

    public PullException(Kind kind, String message) {
        this(kind, message, 0, null);
    }

    public PullException(Kind kind, String message, Throwable cause) {
        this(kind, message, 0, cause);
    }

    public PullException(Kind kind, String message, int httpStatus, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.httpStatus = httpStatus;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status for {@link Kind#HTTP_STATUS}, else 0. */
    public int httpStatus() {
        return httpStatus;
    }
}
