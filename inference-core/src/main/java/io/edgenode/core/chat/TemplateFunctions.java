package io.edgenode.core.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.time.Instant;
import java.time.ZonedDateTime;

/**
 * The global functions Hugging Face's {@code apply_chat_template} gives templates, as static methods for
 * Jinjava's function table ({@code ELFunctionDefinition} needs static methods).
 *
 * <p>Stateless; the clock and zone come from the rendering interpreter's config, which
 * {@link HfJinjaEnvironment} builds per template.
 */
final class TemplateFunctions {

    static final String RAISE_EXCEPTION = "raise_exception";
    static final String STRFTIME_NOW = "strftime_now";

    private TemplateFunctions() {}

    /**
     * {@code raise_exception(message)}: the template refuses the conversation. Jinjava records the
     * exception as a render error; {@link HfJinjaEnvironment} finds it in the cause chain and reports
     * the template's own message.
     */
    public static Object raiseException(Object message) {
        throw new TemplateRaisedException(message == null ? "None" : PyStringMethods.str(message));
    }

    /** {@code strftime_now(format)}: the current time in the environment's zone, Python strftime codes. */
    public static String strftimeNow(String format) {
        JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
        long millis = interpreter.getConfig().getDateTimeProvider().getCurrentTimeMillis();
        ZonedDateTime now = ZonedDateTime.ofInstant(Instant.ofEpochMilli(millis), interpreter.getConfig().getTimeZone());
        if (format == null || format.indexOf('%') < 0) {
            // Python returns text without directives as is; Jinjava would read it as a Java pattern.
            return format == null ? "" : format;
        }
        return StrftimeFormatter.format(now, format, interpreter.getConfig().getLocale());
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
