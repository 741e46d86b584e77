package io.edgenode.core.chat;

import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;

/**
 * How values become text: <code>{{ expr }}</code> output and string coercion ({@code ~}) use Python's
 * {@code str()} ({@link PyRepr}). Output is never re-rendered as a template and never HTML-escaped.
 * Stateless; one instance serves every render.
 */
final class PyOutput implements ExpressionStrategy {

    private static final long serialVersionUID = 1L;

    static final PyOutput INSTANCE = new PyOutput();

    private PyOutput() {}

    @Override
    public RenderedOutputNode interpretOutput(ExpressionToken master, JinjavaInterpreter interpreter) {
        Object value = interpreter.resolveELExpression(master.getExpr(), master.getLineNumber());
        return new RenderedOutputNode(PyRepr.str(value));
    }

    /** Jinjava's truthiness rules, with Python's {@code str()} for string coercion. */
    static final class PyTypeConverter extends TruthyTypeConverter {
        private static final long serialVersionUID = 1L;

        @Override
        protected String coerceToString(Object value) {
            return value instanceof String s ? s : PyRepr.str(value);
        }
    }
}
