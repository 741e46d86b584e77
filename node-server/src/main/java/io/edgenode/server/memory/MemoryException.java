package io.edgenode.server.memory;

import java.util.Objects;

/**
 * A vector-memory request refused for a reason the client can act on: bad input, an unknown index,
 * a conflict, or a missing embedding model. The HTTP layer maps {@link Kind} to a status (400, 404,
 * 409, 503). Expected input, not a bug: it records no stack trace.
 *
 * @see Kind
 */
public final class MemoryException extends RuntimeException {
    /** What went wrong, as the HTTP layer needs to know it. */
    public enum Kind {
        /** 400: the request is malformed or breaks a limit. */
        INVALID,
        /** 404: no such index. */
        NOT_FOUND,
        /** 409: the index or an id already exists. */
        CONFLICT,
        /** 503: the index's embedding model is not available on this node. */
        UNAVAILABLE
    }

    private final Kind kind;
    private final String param;
    private final String code;

    public MemoryException(Kind kind, String param, String code, String message) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.param = param;
        this.code = code;
    }

    /** 400 about {@code param} (a request field as the client wrote it, e.g. {@code vectors[3].values}). */
    public static MemoryException invalid(String param, String message) {
        return new MemoryException(Kind.INVALID, param, null, message);
    }

    /** 404: no index called {@code name}. */
    public static MemoryException notFound(String name) {
        return new MemoryException(Kind.NOT_FOUND, null, "index_not_found", "The index `" + name + "` does not exist.");
    }

    public Kind kind() {
        return kind;
    }

    /** The offending request field, or null. */
    public String param() {
        return param;
    }

    /** A machine-readable code, or null. */
    public String code() {
        return code;
    }
}
