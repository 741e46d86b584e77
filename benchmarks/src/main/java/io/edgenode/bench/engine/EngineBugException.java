package io.edgenode.bench.engine;

/** The engine broke its contract during a measurement (hang, wrong counts); the run stops and says so. */
final class EngineBugException extends RuntimeException {
    EngineBugException(String message) {
        super(message);
    }
}
