package io.edgenode.core.chat;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.ext.AdditionOperator;
import com.hubspot.jinjava.el.ext.AstNamedParameter;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.el.ext.ExtendedScanner;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Parser.ExtensionPoint;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.Scanner.Symbol;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstBracket;
import jinjava.de.odysseus.el.tree.impl.ast.AstIdentifier;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;
import jinjava.javax.el.ELException;

/**
 * Jinja's expression grammar where Jinjava's parser departs from it, as a tree builder for the
 * expression factory (Jinjava's designed extension point: {@link ExtendedParser} and
 * {@link ExtendedScanner} are open for subclassing):
 *
 * <ul>
 *   <li>{@code not} binds looser than comparisons and tests: {@code not x is defined} is
 *       {@code not (x is defined)}, {@code not a == b} is {@code not (a == b)}. Jinjava applies
 *       {@code not} to the operand alone, so {@code not add_generation_prompt is defined} was always
 *       true.
 *   <li>Full slices {@code [start:stop:step]} with any expressions ({@code messages[::-1]},
 *       {@code messages[:n+1]}), evaluated by {@link PySlice}.
 *   <li>{@code ==} is Python's equality ({@link PyEquality}), without EL's coercions.
 *   <li>{@code +} with None or an undefined operand follows llama.cpp ({@link PyAddition}).
 *   <li>Keyword arguments take any expression: {@code f(n=a|length - 1)}.
 *   <li>{@code a+1} is an addition: Jinjava's scanner reads {@code +1} as a unary operator wherever it
 *       sees it, so {@code i+1} failed to parse.
 * </ul>
 *
 * <p>Parsers and scanners are created per expression and confined to the parsing thread; the builder
 * is stateless.
 */
final class PyExpressionSyntax extends ExtendedSyntaxBuilder {

    private static final long serialVersionUID = 1L;

    /** The features JUEL's default (JEE6) profile gives Jinjava's expression factory. */
    PyExpressionSyntax() {
        super(Builder.Feature.METHOD_INVOCATIONS, Builder.Feature.VARARGS);
    }

    @Override
    protected Parser createParser(String expression) {
        return new PyParser(this, expression);
    }

    private static final class PyParser extends ExtendedParser {

        PyParser(Builder context, String input) {
            super(context, input);
        }

        @Override
        protected Scanner createScanner(String expression) {
            return new PyScanner(expression);
        }

        /** {@code not} takes a whole comparison (Jinja's {@code parse_not} sits above {@code parse_compare}). */
        @Override
        protected AstNode unary(boolean required) throws Scanner.ScanException, ParseException {
            if (getToken().getSymbol() == Symbol.NOT) {
                consumeToken();
                return createAstUnary(eq(true), AstUnary.NOT);
            }
            return super.unary(required);
        }

        /**
         * Jinjava's {@code value()} with Python subscripts. Jinjava reads {@code [a:b]} only with simple
         * operands and no step; this reads {@code [start? : stop? (: step?)?]} with full expressions.
         * (With natural operator precedence, which {@link HfJinjaEnvironment} always sets, Jinjava's
         * {@code value()} also just returns here; filters and tests are parsed one level up.)
         */
        @Override
        protected AstNode value() throws Scanner.ScanException, ParseException {
            boolean lvalue = true;
            AstNode v = nonliteral();
            if (v == null) {
                v = literal();
                if (v == null) {
                    return null;
                }
                lvalue = false;
            }
            while (true) {
                switch (getToken().getSymbol()) {
                    case DOT -> {
                        consumeToken();
                        String name = consumeToken(Symbol.IDENTIFIER).getImage();
                        var dot = createAstDot(v, name, lvalue);
                        v = getToken().getSymbol() == Symbol.LPAREN && context.isEnabled(Builder.Feature.METHOD_INVOCATIONS)
                                ? createAstMethod(dot, params())
                                : dot;
                    }
                    case LBRACK -> {
                        consumeToken();
                        boolean strict = !context.isEnabled(Builder.Feature.NULL_PROPERTIES);
                        AstNode start = isSliceColon() ? null : expr(true);
                        if (isSliceColon()) {
                            consumeToken();
                            AstNode stop = isSliceColon() || getToken().getSymbol() == Symbol.RBRACK ? null : expr(true);
                            AstNode step = null;
                            if (isSliceColon()) {
                                consumeToken();
                                step = getToken().getSymbol() == Symbol.RBRACK ? null : expr(true);
                            }
                            consumeToken(Symbol.RBRACK);
                            v = new PySlice(v, start, stop, step, lvalue, strict, context.isEnabled(Builder.Feature.IGNORE_RETURN_TYPE));
                        } else {
                            consumeToken(Symbol.RBRACK);
                            AstBracket bracket = createAstBracket(v, start, lvalue, strict);
                            v = getToken().getSymbol() == Symbol.LPAREN && context.isEnabled(Builder.Feature.METHOD_INVOCATIONS)
                                    ? createAstMethod(bracket, params())
                                    : bracket;
                        }
                    }
                    default -> {
                        return v;
                    }
                }
            }
        }

        /** {@code ==} and {@code !=} with Python's equality ({@link PyEquality}). */
        @Override
        protected AstNode eq(boolean required) throws Scanner.ScanException, ParseException {
            AstNode v = cmp(required);
            if (v == null) {
                return null;
            }
            while (true) {
                switch (getToken().getSymbol()) {
                    case EQ -> {
                        consumeToken();
                        v = createAstBinary(v, cmp(true), PyEquality.EQ);
                    }
                    case NE -> {
                        consumeToken();
                        v = createAstBinary(v, cmp(true), PyEquality.NE);
                    }
                    case EXTENSION -> {
                        if (getExtensionHandler(getToken()).getExtensionPoint() != ExtensionPoint.EQ) {
                            return v;
                        }
                        v = getExtensionHandler(consumeToken()).createAstNode(v, cmp(true));
                    }
                    default -> {
                        return v;
                    }
                }
            }
        }

        /** Jinjava's {@code add()} with {@link PyAddition} for '+'. */
        @Override
        protected AstNode add(boolean required) throws Scanner.ScanException, ParseException {
            AstNode v = mul(required);
            if (v == null) {
                return null;
            }
            while (true) {
                switch (getToken().getSymbol()) {
                    case PLUS -> {
                        consumeToken();
                        v = createAstBinary(v, mul(true), PyAddition.OP);
                    }
                    case MINUS -> {
                        consumeToken();
                        v = createAstBinary(v, mul(true), AstBinary.SUB);
                    }
                    case EXTENSION -> {
                        if (getExtensionHandler(getToken()).getExtensionPoint() != ExtensionPoint.ADD) {
                            return v;
                        }
                        v = getExtensionHandler(consumeToken()).createAstNode(v, mul(true));
                    }
                    default -> {
                        return v;
                    }
                }
            }
        }

        /**
         * Call arguments with Python keywords: {@code name=<any expression>}. Jinjava reads {@code =} as
         * an operator at the level of {@code +}, so {@code namespace(n=messages|length - 1)} became
         * {@code (n=messages|length) - 1}.
         */
        @Override
        protected AstParameters params(Symbol left, Symbol right) throws Scanner.ScanException, ParseException {
            consumeToken(left);
            List<AstNode> arguments = new ArrayList<>();
            while (getToken().getSymbol() != right) {
                if (getToken().getSymbol() == Symbol.IDENTIFIER && isKeywordEquals(lookahead(0))) {
                    AstIdentifier name = identifier(consumeToken().getImage());
                    consumeToken(); // '='
                    arguments.add(new AstNamedParameter(name, expr(true)));
                } else {
                    arguments.add(expr(true));
                }
                if (getToken().getSymbol() != Symbol.COMMA) {
                    break;
                }
                consumeToken();
            }
            consumeToken(right);
            return createAstParameters(arguments);
        }

        private static boolean isKeywordEquals(Scanner.Token token) {
            return token.getSymbol() == Symbol.EXTENSION && "=".equals(token.getImage());
        }

        /** A plain ':' (Jinjava's scanner also gives the keyword {@code else} the COLON symbol). */
        private boolean isSliceColon() {
            return getToken().getSymbol() == Symbol.COLON && ":".equals(getToken().getImage());
        }
    }

    /**
     * Python's {@code ==}: values of different kinds are unequal ({@code '' != false}, which the Llama 2
     * template relies on), numbers compare by value with booleans as 0 and 1, lists and dicts compare
     * element by element. Jinjava follows EL and coerces both sides to the boolean or number type first.
     */
    static final class PyEquality extends AstBinary.SimpleOperator {
        static final PyEquality EQ = new PyEquality(false);
        static final PyEquality NE = new PyEquality(true);

        private final boolean negated;

        private PyEquality(boolean negated) {
            this.negated = negated;
        }

        @Override
        protected Object apply(TypeConverter converter, Object o1, Object o2) {
            return equal(o1, o2) != negated;
        }

        static boolean equal(Object a, Object b) {
            if (a == null || b == null) {
                return a == b;
            }
            if (isNumeric(a) && isNumeric(b)) {
                Number x = numeric(a);
                Number y = numeric(b);
                if (!Double.isFinite(x.doubleValue()) || !Double.isFinite(y.doubleValue())) {
                    return x.doubleValue() == y.doubleValue();
                }
                return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString())) == 0;
            }
            if (a instanceof CharSequence || b instanceof CharSequence) {
                return a instanceof CharSequence && b instanceof CharSequence && a.toString().equals(b.toString());
            }
            if (a instanceof List<?> x && b instanceof List<?> y) {
                if (x.size() != y.size()) {
                    return false;
                }
                for (int i = 0; i < x.size(); i++) {
                    if (!equal(x.get(i), y.get(i))) {
                        return false;
                    }
                }
                return true;
            }
            if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
                if (x.size() != y.size()) {
                    return false;
                }
                for (Map.Entry<?, ?> e : x.entrySet()) {
                    if (!y.containsKey(e.getKey()) || !equal(e.getValue(), y.get(e.getKey()))) {
                        return false;
                    }
                }
                return true;
            }
            return a.equals(b);
        }

        private static boolean isNumeric(Object o) {
            return o instanceof Number || o instanceof Boolean;
        }

        private static Number numeric(Object o) {
            return o instanceof Boolean b ? (b ? 1 : 0) : (Number) o;
        }

        @Override
        public String toString() {
            return negated ? "!=" : "==";
        }
    }

    /**
     * Jinjava's '+' (numbers, strings, lists, dicts) with llama.cpp's rule for None and undefined
     * operands: next to a string they count as "" (llama.cpp's server does this on purpose, for
     * templates that concatenate optional fields), otherwise they are an error. Jinjava would write
     * "null" into the prompt; Python would raise in both cases.
     */
    static final class PyAddition extends AdditionOperator {
        static final PyAddition OP = new PyAddition();

        @Override
        protected Object apply(TypeConverter converter, Object o1, Object o2) {
            if (o1 == null || o2 == null) {
                if (o1 instanceof CharSequence || o2 instanceof CharSequence) {
                    return o1 == null ? o2.toString() : o1.toString();
                }
                throw new ELException("unsupported operand for +: None or undefined");
            }
            return super.apply(converter, o1, o2);
        }
    }

    private static final class PyScanner extends ExtendedScanner {

        PyScanner(String input) {
            super(input);
        }

        @Override
        protected Token nextEval() throws ScanException {
            if (getInput().charAt(getPosition()) == '+' && followsOperand()) {
                return fixed(Symbol.PLUS);
            }
            return super.nextEval();
        }

        /** Whether the previous token ends an operand, making a following '+' binary. */
        private boolean followsOperand() {
            Token previous = getToken();
            if (previous == null) {
                return false;
            }
            return switch (previous.getSymbol()) {
                case IDENTIFIER, INTEGER, FLOAT, STRING, TRUE, FALSE, NULL, RPAREN, RBRACK -> true;
                case EXTENSION -> "}".equals(previous.getImage()); // end of a dict literal
                default -> false;
            };
        }
    }
}
