package io.edgenode.server.openai;

import java.util.Objects;

/**
 * A request the API refuses, carrying the {@link ApiError} to send. Thrown by the parsers for
 * client errors, which are expected input, not bugs: it records no stack trace (cheap to throw
 * for every bad request) and is not suppressible.
 */
public final class ApiException extends RuntimeException {
    private final ApiError error;

    public ApiException(ApiError error) {
        super(Objects.requireNonNull(error, "error").message(), null, false, false);
        this.error = error;
    }

    public ApiError error() {
        return error;
    }
}
