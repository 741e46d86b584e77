package io.edgenode.core.chat;

/**
 * A chat template that cannot be compiled, or that refuses or fails to render a conversation. The
 * message is meant for the API client: for a template's own {@code raise_exception(...)} it is exactly
 * the template's text. The server maps it to HTTP 400 {@code invalid_request_error}.
 */
public final class ChatTemplateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
