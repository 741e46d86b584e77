package io.edgenode.core.chat;

/**
 * A Python-level error in a template expression (a {@code TypeError}, {@code KeyError},
 * {@code IndexError}...) raised by our Python semantics ({@link PyStringMethods}, {@link PySlice}).
 * {@link JinjavaAdapter} turns it into Jinjava's expression error, so it fails the render as any
 * other template error does.
 */
final class PyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    PyException(String message) {
        super(message, null, false, false);
    }
}
