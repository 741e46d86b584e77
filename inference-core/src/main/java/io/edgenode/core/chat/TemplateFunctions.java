package io.edgenode.core.chat;

/**
 * The global functions Hugging Face's {@code apply_chat_template} gives templates: their names, what
 * they are as variables, and {@code raise_exception}, a static method for Jinjava's function table
 * ({@code ELFunctionDefinition} needs static methods). {@code strftime_now} reads the rendering
 * interpreter's clock, so it lives in {@link JinjavaAdapter}. Stateless.
 */
final class TemplateFunctions {

    static final String RAISE_EXCEPTION = "raise_exception";
    static final String STRFTIME_NOW = "strftime_now";

    private TemplateFunctions() {}

    /**
     * {@code raise_exception(message)}: the template refuses the conversation. Jinjava records the
     * exception as a render error; {@link JinjavaAdapter} finds it in the cause chain and reports
     * the template's own message.
     */
    public static Object raiseException(Object message) {
        throw new TemplateRaisedException(message == null ? "None" : PyStringMethods.str(message));
    }

    /**
     * What a global function's name resolves to as a variable, so that {@code strftime_now is defined}
     * holds as in Jinja; calls still go to the function table.
     */
    record Global(String name) {
        @Override
        public String toString() {
            return "<function " + name + ">";
        }
    }

    /** Thrown by {@code raise_exception}; carries the template's message unchanged. */
    static final class TemplateRaisedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRaisedException(String message) {
            super(message, null, false, false);
        }
    }
}
