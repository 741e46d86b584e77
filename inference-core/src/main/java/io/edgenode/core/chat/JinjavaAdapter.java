package io.edgenode.core.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.el.TypeConvertingMapELResolver;
import com.hubspot.jinjava.el.ext.AdditionOperator;
import com.hubspot.jinjava.el.ext.AstNamedParameter;
import com.hubspot.jinjava.el.ext.AstRangeBracket;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.el.ext.ExtendedScanner;
import com.hubspot.jinjava.el.ext.JinjavaBeanELResolver;
import com.hubspot.jinjava.el.ext.JinjavaListELResolver;
import com.hubspot.jinjava.el.ext.NamedParameter;
import com.hubspot.jinjava.interpret.AutoCloseableSupplier.AutoCloseableImpl;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.JinjavaInterpreter.InterpreterScopeClosable;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.ElseIfTag;
import com.hubspot.jinjava.lib.tag.ElseTag;
import com.hubspot.jinjava.lib.tag.EndTag;
import com.hubspot.jinjava.lib.tag.FlexibleTag;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.lib.tag.IfTag;
import com.hubspot.jinjava.lib.tag.SetTag;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.objects.collections.SizeLimitingPyList;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import com.hubspot.jinjava.tree.ExpressionNode;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.TextNode;
import com.hubspot.jinjava.tree.output.OutputNode;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;
import com.hubspot.jinjava.tree.parse.NoteToken;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.tree.parse.TextToken;
import com.hubspot.jinjava.tree.parse.Token;
import com.hubspot.jinjava.tree.parse.TokenScanner;
import com.hubspot.jinjava.tree.parse.TokenScannerSymbols;
import com.hubspot.jinjava.tree.parse.UnclosedToken;
import com.hubspot.jinjava.util.ForLoop;
import com.hubspot.jinjava.util.LengthLimitingStringBuilder;
import com.hubspot.jinjava.util.ObjectIterator;
import com.hubspot.jinjava.util.ObjectTruthValue;
import io.edgenode.core.chat.TemplateFunctions.TemplateRaisedException;
import java.beans.FeatureDescriptor;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.misc.NumberOperations;
import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.TreeBuilderException;
import jinjava.de.odysseus.el.tree.TreeStore;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Cache;
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
import jinjava.javax.el.ArrayELResolver;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;
import jinjava.javax.el.ExpressionFactory;
import jinjava.javax.el.PropertyNotFoundException;

/**
 * The one place that touches Jinjava and its JUEL (enforced by {@code JinjavaBoundaryTest}): it
 * compiles a template into a {@link CompiledTemplate}, and everything else in the project sees only
 * that interface and plain Java values. A Jinjava upgrade that changes an internal we rely on breaks
 * here and nowhere else; the Python semantics themselves live in Jinjava-free classes
 * ({@link PyStringMethods}, {@link PySlice}, {@link PyValues}, {@link PyJson}, {@link PyRepr},
 * {@link ForHeader}), which the nested classes here only plug into Jinjava's extension points.
 *
 * <p>Hugging Face's flavour of Jinja ({@code apply_chat_template}: {@code trim_blocks},
 * {@code lstrip_blocks}, the globals {@code raise_exception} and {@code strftime_now}, a Python-style
 * {@code tojson}) on Jinjava, with Jinjava's departures from Jinja corrected through its extension
 * points: the whitespace rules ({@link TreeBuilder}), the expression grammar ({@link PySyntax},
 * {@link SliceNode}), Python's {@code str} methods and string indexing ({@link StringResolver}), value
 * printing ({@link Output}, {@link PyTypeConverter}), filters and tests, the {@code for} tag
 * ({@link PyForTag}) and the {@code generation} and {@code filter} blocks. An unknown filter or test is
 * an error (Jinja refuses to compile it; Jinjava would silently yield nothing).
 *
 * <p>Known differences that remain: Jinjava has one null for None and undefined, so a missing value
 * prints as "" (Jinja prints None as {@code None}), and using an attribute of a missing value yields
 * null where Jinja raises {@code UndefinedError}; templates then render where Hugging Face would fail
 * (a tool template rendered without tools, a conversation a template cannot index). Concatenating a
 * string with a missing value gives the string, as llama.cpp does.
 *
 * <p>Message text is data: nested interpretation (Jinjava re-rendering any output that contains
 * <code>{{</code>) is off, so a user cannot smuggle template code into the prompt.
 *
 * <p>Immutable; safe from any thread. Jinjava's {@link Context} pushes bookkeeping into its parents
 * (resolved expressions, dependencies), so no context is shared: each parse and render builds its own
 * root context and interpreter, and parsed trees are only read while rendering. The nested extension
 * classes are stateless (loop state lives in the render's context) and shared by every render.
 *
 * <p><b>Size.</b> Past the 800 lines of the style guide on purpose: the point of this file is to be
 * the whole boundary, so that one look (and one test) shows every Jinjava internal we depend on. It is
 * laid out by extension point (environment, tree, expression grammar, values, filters and tests,
 * tags); should it grow further, it splits along those sections into a {@code chat.jinjava} package,
 * with the boundary test widened from this file to that package.
 */
final class JinjavaAdapter {

    /** Output cap for one render: far above any context window, low enough to stop a runaway template. */
    static final long MAX_OUTPUT_CHARS = 64L << 20;

    /**
     * Jinja's behaviour where Jinjava keeps a legacy one: dict literal keys are expressions,
     * {@code for} over a dict yields its keys, {@code a + b|f} applies the filter to {@code b}, and a
     * {@code -} marker counts only right at its delimiter. Not {@link LegacyOverrides#ALL}: its
     * {@code whitespaceRequiredWithinTokens} would leave <code>{{'x'}}</code> (Phi-3 writes it so) as
     * literal text. (The whitespace options for Jinjava's own tree parser do not apply:
     * {@link TreeBuilder} replaces it.)
     */
    private static final LegacyOverrides LEGACY_OVERRIDES = LegacyOverrides.newBuilder()
            .withEvaluateMapKeys(true)
            .withIterateOverMapKeys(true)
            .withUsePyishObjectMapper(true)
            .withUseNaturalOperatorPrecedence(true)
            .withParseWhitespaceControlStrictly(true)
            .build();

    private final JinjavaConfig config;
    private final PyJinjava jinjava;

    private JinjavaAdapter(Clock clock) {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new StringResolver()); // first: strings never reach Java reflection
        resolver.add(new ArrayELResolver(true));
        resolver.add(new JinjavaListELResolver(true));
        resolver.add(new TypeConvertingMapELResolver(true));
        resolver.add(new JinjavaBeanELResolver(true));
        this.config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withLegacyOverrides(LEGACY_OVERRIDES)
                .withNestedInterpretationEnabled(false)
                .withElResolver(resolver)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(64)
                .withDateTimeProvider(clock::millis)
                .withTimeZone(clock.getZone())
                .withLocale(Locale.ENGLISH)
                .build();
        this.jinjava = new PyJinjava(config);
        // Expressions resolve functions from the Jinjava instance's global context (read-only from here on).
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", TemplateFunctions.RAISE_EXCEPTION,
                TemplateFunctions.class, "raiseException", Object.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", TemplateFunctions.STRFTIME_NOW,
                Strftime.class, "strftimeNow", String.class));
    }

    /**
     * Compiles a template with Hugging Face's settings; {@code strftime_now} reads {@code clock}.
     *
     * @throws ChatTemplateException if the template is not valid Jinja for this environment
     */
    static CompiledTemplate compile(String source, Clock clock) {
        JinjavaAdapter adapter = new JinjavaAdapter(clock);
        return new Compiled(adapter, adapter.parse(source));
    }

    /** A parsed tree and the environment that renders it. Immutable. */
    private record Compiled(JinjavaAdapter adapter, Node root) implements CompiledTemplate {
        @Override
        public String render(Map<String, Object> variables) {
            return adapter.render(root, variables);
        }
    }

    /**
     * Parses a template once: the tag tree (unclosed blocks, unknown tags) and the syntax of every
     * expression Jinjava would otherwise parse only when it first evaluates it.
     *
     * @throws ChatTemplateException if the template is not valid Jinja for this environment
     */
    private Node parse(String template) {
        JinjavaInterpreter interpreter = new JinjavaInterpreter(jinjava, newRootContext(), config);
        try (AutoCloseableImpl<JinjavaInterpreter> _ = JinjavaInterpreter.closeablePushCurrent(interpreter).get()) {
            Node root = TreeBuilder.build(template, interpreter);
            for (TemplateError error : interpreter.getErrors()) {
                throw new ChatTemplateException("invalid chat template: " + describe(error));
            }
            checkExpressions(root);
            return root;
        } catch (ChatTemplateException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ChatTemplateException("invalid chat template: " + e.getMessage(), e);
        }
    }

    /**
     * Renders a parsed tree with the given variables. Jinjava reports most failures as errors in the
     * interpreter and goes on rendering; any error here fails the render, and the template's own
     * {@code raise_exception} message is reported as is.
     */
    private String render(Node root, Map<String, Object> variables) {
        Context context = new Context(newRootContext(), variables);
        JinjavaInterpreter interpreter = new JinjavaInterpreter(jinjava, context, config);
        String output;
        try (AutoCloseableImpl<JinjavaInterpreter> _ = JinjavaInterpreter.closeablePushCurrent(interpreter).get()) {
            output = interpreter.render(root);
        } catch (RuntimeException e) {
            throw failure(e, "chat template failed: " + e.getMessage());
        }
        // Warnings are attribute lookups that found nothing ('text'.content): Jinja's undefined, not an error.
        for (TemplateError error : interpreter.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw failure(error.getException(), "chat template failed: " + describe(error));
            }
        }
        return output;
    }

    private static ChatTemplateException failure(Throwable cause, String message) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof TemplateRaisedException raised) {
                return new ChatTemplateException(raised.getMessage(), raised);
            }
        }
        return new ChatTemplateException(message, cause);
    }

    private static String describe(TemplateError error) {
        return (error.getLineno() > 0 ? "line " + error.getLineno() + ": " : "") + error.getMessage();
    }

    /** A fresh root: Jinjava's built-ins, then ours over them. */
    private static Context newRootContext() {
        Context root = new StrictRootContext();
        root.registerFilter(new ToJsonFilter());
        root.registerFilter(new ItemsFilter());
        root.registerFilter(new StrFilter());
        root.registerExpTest(new IterableTest("iterable"));
        root.registerExpTest(new IterableTest("sequence"));
        root.registerTag(new PyForTag());
        root.registerTag(new GenerationTag());
        root.registerTag(new FilterBlockTag());
        // In Jinja the globals are variables too: templates test `strftime_now is defined`.
        root.put(TemplateFunctions.RAISE_EXCEPTION, new TemplateFunctions.Global(TemplateFunctions.RAISE_EXCEPTION));
        root.put(TemplateFunctions.STRFTIME_NOW, new TemplateFunctions.Global(TemplateFunctions.STRFTIME_NOW));
        return root;
    }

    /** Pre-parses expressions so that syntax errors surface in {@link #parse}, not in the first request. */
    private void checkExpressions(Node node) {
        for (Node child : node.getChildren()) {
            switch (child) {
                case ExpressionNode e -> checkSyntax(((ExpressionToken) e.getMaster()).getExpr(), e);
                case TagNode t -> {
                    String helpers = t.getHelpers() == null ? "" : t.getHelpers().trim();
                    switch (t.getName()) {
                        case IfTag.TAG_NAME, ElseIfTag.TAG_NAME -> checkSyntax(helpers, t);
                        case "for" -> {
                            ForHeader header = ForHeader.parse(t.getHelpers(), t.getLineNumber());
                            checkSyntax(header.iterable(), t);
                            if (header.filter() != null) {
                                checkSyntax(header.filter(), t);
                            }
                        }
                        case SetTag.TAG_NAME -> {
                            int eq = assignment(helpers);
                            if (eq >= 0) {
                                checkSyntax(helpers.substring(eq + 1), t);
                            }
                        }
                        default -> {}
                    }
                }
                default -> {}
            }
            checkExpressions(child);
        }
    }

    private void checkSyntax(String expression, Node node) {
        if (expression == null || expression.isBlank()) {
            throw new ChatTemplateException("invalid chat template: line " + node.getLineNumber() + ": empty expression");
        }
        try {
            // The key Jinjava's ExpressionResolver uses: the render then finds the tree in the cache.
            jinjava.trees.get("#{" + expression.trim() + "}");
        } catch (TreeBuilderException e) {
            throw new ChatTemplateException("invalid chat template: line " + node.getLineNumber() + ": cannot parse '"
                    + expression.trim() + "': " + e.getMessage(), e);
        }
    }

    /** The '=' of {@code set x = ...} (not part of ==, !=, <=, >=), or -1 for a block set. */
    private static int assignment(String helpers) {
        for (int i = 0; i < helpers.length(); i++) {
            char c = helpers.charAt(i);
            if (c == '\'' || c == '"' || c == '(' || c == '[' || c == '{') {
                return -1; // the target comes first; a quote or bracket before any '=' means no plain assignment
            }
            if (c == '=' && (i + 1 == helpers.length() || helpers.charAt(i + 1) != '=')
                    && (i == 0 || "=!<>".indexOf(helpers.charAt(i - 1)) < 0)) {
                return i;
            }
        }
        return -1;
    }

    // -- the tree: Jinja's whitespace rules --------------------------------------------------------

    /**
     * Builds Jinjava's node tree from Jinjava's tokens, with Jinja's whitespace rules instead of those of
     * Jinjava's {@code TreeParser}, which differ around comments and with {@code lstrip_blocks}:
     *
     * <ul>
     *   <li>A {@code -} marker strips the whitespace of the text right next to it, and only that text. A
     *       comment separates texts: {@code a \n {# c #}\n {%- if %}} keeps the first newline. (Jinjava
     *       merges the texts around a comment, so the {@code -} stripped both, and it ignored a comment's
     *       own markers or applied them to the wrong side.)
     *   <li>{@code lstrip_blocks} removes spaces and tabs before a block or comment only when nothing else
     *       precedes it on its line (Jinjava stripped them after any text: {@code Hello {% if %}} lost its
     *       space).
     *   <li>{@code trim_blocks} (the newline after a block or comment) is done by Jinjava's scanner.
     *   <li>Line breaks are normalized and one trailing newline is dropped, as Jinja's lexer does.
     * </ul>
     *
     * Structural errors that Jinjava only warns about (an unclosed tag or comment, an end tag without a
     * start) fail here, as Jinja fails to compile them. Used once per template, on the parsing thread.
     */
    static final class TreeBuilder {

        private TreeBuilder() {}

        /** Parses {@code template}; {@code interpreter} must be current (tokens read its whitespace settings). */
        static Node build(String source, JinjavaInterpreter interpreter) {
            String template = normalizeNewlines(source);
            List<Token> tokens = new ArrayList<>();
            new TokenScanner(template, interpreter.getConfig()).forEachRemaining(tokens::add);
            TokenScannerSymbols symbols = interpreter.getConfig().getTokenScannerSymbols();
            boolean lstripBlocks = interpreter.getConfig().isLstripBlocks();

            Root root = new Root(symbols);
            Node parent = root;
            int offset = 0; // where the current token starts in the template
            boolean atLineStart = true;
            for (int i = 0; i < tokens.size(); i++) {
                Token token = tokens.get(i);
                // The scanner drops the newline after a block or comment (trim_blocks) without a token; find
                // such gaps in the template to know where lines start (for lstrip_blocks).
                if (offset < template.length() && template.charAt(offset) == '\n' && !template.startsWith(token.getImage(), offset)) {
                    offset++;
                    atLineStart = true;
                }
                Token previous = i > 0 ? tokens.get(i - 1) : null;
                Token next = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
                switch (token) {
                    case UnclosedToken unclosed -> throw error(unclosed, "unexpected end of template: unclosed '" + abbreviate(unclosed.getImage()) + "'");
                    case TextToken text -> {
                        TextToken out = text;
                        if (lstripBlocks && (next instanceof TagToken || next instanceof NoteToken) && !next.isLeftTrim()) {
                            String image = text.getImage();
                            int lineBegin = image.lastIndexOf('\n') + 1;
                            if ((lineBegin > 0 || atLineStart) && isSpacesAndTabs(image, lineBegin)) {
                                out = new TextToken(image.substring(0, lineBegin), text.getLineNumber(), text.getStartPosition(), symbols);
                            }
                        }
                        if (previous != null && previous.isRightTrim()) {
                            out.setLeftTrim(true);
                        }
                        if (next != null && next.isLeftTrim()) {
                            out.setRightTrim(true);
                        }
                        add(parent, new TextNode(out));
                    }
                    case ExpressionToken expression ->
                            add(parent, new ExpressionNode(Output.INSTANCE, expression));
                    case TagToken tagToken -> {
                        Tag tag = interpreter.getContext().getTag(tagToken.getTagName());
                        if (tag == null) {
                            throw error(tagToken, "unknown tag '" + tagToken.getTagName() + "'");
                        }
                        if (tag instanceof EndTag) {
                            if (!(parent instanceof TagNode open) || !tagToken.getTagName().equals(open.getEndName())) {
                                throw error(tagToken, "unexpected '" + tagToken.getTagName() + "'"
                                        + (parent instanceof TagNode open ? ", expected '" + open.getEndName() + "'" : ""));
                            }
                            parent = parent.getParent();
                        } else {
                            TagNode node = new TagNode(tag, tagToken, symbols);
                            add(parent, node);
                            if (node.getEndName() != null && (!(tag instanceof FlexibleTag flexible) || flexible.hasEndTag(tagToken))) {
                                parent = node;
                            }
                        }
                    }
                    case NoteToken note -> {
                        if (!note.getImage().endsWith(symbols.getClosingComment())) {
                            throw error(note, "unexpected end of template: unclosed comment");
                        }
                    }
                    default -> throw error(token, "unexpected '" + abbreviate(token.getImage()) + "'");
                }
                offset += token.getImage().length();
                atLineStart = token.getImage().endsWith("\n");
            }
            if (parent != root) {
                TagNode open = (TagNode) parent;
                throw error(open.getMaster(), "unexpected end of template: '" + open.getName() + "' (line "
                        + open.getLineNumber() + ") is not closed by '" + open.getEndName() + "'");
            }
            return root;
        }

        /**
         * Jinja's lexer reads {@code \r\n} and {@code \r} as {@code \n} and drops one trailing newline
         * ({@code keep_trailing_newline=False}); Jinjava does neither.
         */
        static String normalizeNewlines(String source) {
            String s = source.indexOf('\r') < 0 ? source : source.replace("\r\n", "\n").replace('\r', '\n');
            return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
        }

        private static void add(Node parent, Node child) {
            child.setParent(parent);
            parent.getChildren().add(child);
        }

        private static boolean isSpacesAndTabs(String s, int from) {
            for (int i = from; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c != ' ' && c != '\t') {
                    return false;
                }
            }
            return true;
        }

        private static String abbreviate(String s) {
            return s.length() <= 40 ? s : s.substring(0, 40) + "...";
        }

        private static ChatTemplateException error(Token token, String message) {
            return new ChatTemplateException("invalid chat template: line " + token.getLineNumber() + ": " + message);
        }

        /** The tree's root; only its children are rendered. */
        private static final class Root extends Node {
            private static final long serialVersionUID = 1L;
            private final transient TokenScannerSymbols symbols;

            Root(TokenScannerSymbols symbols) {
                super(null, 0, 0);
                this.symbols = symbols;
            }

            @Override
            public OutputNode render(JinjavaInterpreter interpreter) {
                throw new UnsupportedOperationException("the interpreter renders a root's children");
            }

            @Override
            public TokenScannerSymbols getSymbols() {
                return symbols;
            }

            @Override
            public String getName() {
                return "Root";
            }
        }
    }

    // -- the expression grammar ------------------------------------------------------------------

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
     *       {@code messages[:n+1]}), evaluated by {@link SliceNode}.
     *   <li>{@code ==} is Python's equality ({@link PyValues#equal}), without EL's coercions.
     *   <li>{@code +} with None or an undefined operand follows llama.cpp ({@code PyAddition}).
     *   <li>Keyword arguments take any expression: {@code f(n=a|length - 1)}.
     *   <li>{@code a+1} is an addition: Jinjava's scanner reads {@code +1} as a unary operator wherever it
     *       sees it, so {@code i+1} failed to parse.
     * </ul>
     *
     * <p>Parsers and scanners are created per expression and confined to the parsing thread; the builder
     * is stateless.
     */
    static final class PySyntax extends ExtendedSyntaxBuilder {

        private static final long serialVersionUID = 1L;

        /** The features JUEL's default (JEE6) profile gives Jinjava's expression factory. */
        PySyntax() {
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

            /** Python's {@code *} ({@link PyMultiplication}) wherever EL's numeric one would be built. */
            @Override
            protected AstBinary createAstBinary(AstNode left, AstNode right, AstBinary.Operator operator) {
                return super.createAstBinary(left, right, operator == AstBinary.MUL ? PyMultiplication.OP : operator);
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
             * (With natural operator precedence, which the adapter always sets, Jinjava's
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
                                v = new SliceNode(v, start, stop, step, lvalue, strict, context.isEnabled(Builder.Feature.IGNORE_RETURN_TYPE));
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

        /** Python's {@code ==} ({@link PyValues#equal}) where Jinjava coerces both sides as EL does. */
        static final class PyEquality extends AstBinary.SimpleOperator {
            static final PyEquality EQ = new PyEquality(false);
            static final PyEquality NE = new PyEquality(true);

            private final boolean negated;

            private PyEquality(boolean negated) {
                this.negated = negated;
            }

            @Override
            protected Object apply(TypeConverter converter, Object o1, Object o2) {
                return PyValues.equal(o1, o2) != negated;
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
        /**
         * Python's {@code *}: a string or list times an integer repeats it ({@code "    " * depth},
         * Functionary v3.2's indentation); everything else multiplies as EL does. EL would coerce the
         * string to a number and fail.
         */
        static final class PyMultiplication extends AstBinary.SimpleOperator {
            static final PyMultiplication OP = new PyMultiplication();

            @Override
            protected Object apply(TypeConverter converter, Object o1, Object o2) {
                if (o1 instanceof CharSequence || o1 instanceof List<?>) {
                    Object r = repeat(o1, o2);
                    if (r != null) {
                        return r;
                    }
                } else if (o2 instanceof CharSequence || o2 instanceof List<?>) {
                    Object r = repeat(o2, o1);
                    if (r != null) {
                        return r;
                    }
                }
                return NumberOperations.mul(converter, o1, o2);
            }

            /** {@code sequence * times}, or null when {@code times} is not an integer. */
            private static Object repeat(Object sequence, Object times) {
                if (!(times instanceof Integer || times instanceof Long || times instanceof Short
                        || times instanceof Byte)) {
                    return null;
                }
                long n = Math.max(0, ((Number) times).longValue());
                if (sequence instanceof CharSequence cs) {
                    if (n * cs.length() > MAX_REPEAT_CHARS) {
                        throw new ELException("string repetition of " + n + " x " + cs.length() + " chars is too long");
                    }
                    return cs.toString().repeat((int) n);
                }
                List<?> list = (List<?>) sequence;
                if (n * list.size() > MAX_REPEAT_CHARS) {
                    throw new ELException("list repetition of " + n + " x " + list.size() + " items is too long");
                }
                List<Object> out = new ArrayList<>((int) (n * list.size()));
                for (long i = 0; i < n; i++) {
                    out.addAll(list);
                }
                return out;
            }

            @Override
            public String toString() {
                return "*";
            }
        }

        /** A bound on what one repetition may build: a template must not exhaust the heap. */
        static final int MAX_REPEAT_CHARS = 1 << 20;

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

    /**
     * {@code seq[start:stop:step]} ({@link PySlice}). An immutable AST node, shared by every render that
     * uses the cached expression tree.
     */
    static final class SliceNode extends AstRangeBracket {

        private final AstNode step;

        SliceNode(AstNode base, AstNode start, AstNode stop, AstNode step, boolean lvalue, boolean strict,
                boolean ignoreReturnType) {
            super(base, start, stop, lvalue, strict, ignoreReturnType);
            this.step = step;
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            Object base = prefix.eval(bindings, context);
            if (base == null) {
                throw new PropertyNotFoundException("cannot slice None: " + prefix);
            }
            Object result;
            try {
                result = PySlice.slice(base, bound(property, bindings, context, "start"),
                        bound(rangeMax, bindings, context, "stop"), bound(step, bindings, context, "step"));
            } catch (PyException e) {
                throw new ELException(e.getMessage());
            }
            if (result instanceof List<?> list) {
                int maxSize = JinjavaInterpreter.getCurrentMaybe().map(in -> in.getConfig().getMaxListSize())
                        .orElse(Integer.MAX_VALUE);
                return new SizeLimitingPyList(new ArrayList<>(list), maxSize);
            }
            return result;
        }

        private static Long bound(AstNode node, Bindings bindings, ELContext context, String name) {
            return node == null ? null : PySlice.bound(node.eval(bindings, context), name);
        }

        @Override
        public String toString() {
            return "[:" + (step == null ? "" : ":") + "]";
        }
    }

    // -- values: string methods and indexing, printing ---------------------------------------------

    /**
     * Method calls and {@code s[i]} on strings, sent to {@link PyStringMethods}. First in the resolver
     * chain, so a string never reaches Java reflection. Stateless.
     */
    static final class StringResolver extends ELResolver {

        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
            if (!(base instanceof String s) || method == null) {
                return null;
            }
            // Positional arguments, then Jinjava's NamedParameters as keywords.
            List<Object> positional = new ArrayList<>();
            Map<String, Object> named = new LinkedHashMap<>();
            if (params != null) {
                for (Object p : params) {
                    if (p instanceof NamedParameter np) {
                        named.put(np.getName(), np.getValue());
                    } else {
                        positional.add(p);
                    }
                }
            }
            Object result;
            try {
                result = PyStringMethods.invoke(s, method.toString(), positional, named);
            } catch (PyException e) {
                throw new ELException(e.getMessage());
            }
            context.setPropertyResolved(true);
            return result;
        }

        /** {@code s[i]}; Jinjava passes the index as text. Anything but an integer is left to the next resolver. */
        @Override
        public Object getValue(ELContext context, Object base, Object property) {
            if (!(base instanceof String s) || property == null) {
                return null;
            }
            long index;
            try {
                index = property instanceof Number n ? n.longValue() : Long.parseLong(property.toString());
            } catch (NumberFormatException e) {
                return null;
            }
            String c;
            try {
                c = PyStringMethods.index(s, index);
            } catch (PyException e) {
                throw new ELException(e.getMessage());
            }
            context.setPropertyResolved(true);
            return c;
        }

        @Override
        public Class<?> getType(ELContext context, Object base, Object property) {
            return null;
        }

        @Override
        public void setValue(ELContext context, Object base, Object property, Object value) {}

        @Override
        public boolean isReadOnly(ELContext context, Object base, Object property) {
            return true;
        }

        @Override
        public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
            return null;
        }

        @Override
        public Class<?> getCommonPropertyType(ELContext context, Object base) {
            return null;
        }
    }

    /**
     * <code>{{ expr }}</code> output: Python's {@code str()} ({@link PyRepr}), never re-rendered as a
     * template and never HTML-escaped. Stateless; one instance serves every render.
     */
    static final class Output implements ExpressionStrategy {

        private static final long serialVersionUID = 1L;

        static final Output INSTANCE = new Output();

        private Output() {}

        @Override
        public RenderedOutputNode interpretOutput(ExpressionToken master, JinjavaInterpreter interpreter) {
            Object value = interpreter.resolveELExpression(master.getExpr(), master.getLineNumber());
            return new RenderedOutputNode(PyRepr.str(value));
        }
    }

    /** Jinjava's truthiness rules, with Python's {@code str()} for string coercion ({@code ~}). */
    static final class PyTypeConverter extends TruthyTypeConverter {
        private static final long serialVersionUID = 1L;

        @Override
        protected String coerceToString(Object value) {
            return value instanceof String s ? s : PyRepr.str(value);
        }
    }

    // -- filters, tests, functions ----------------------------------------------------------------
    // Registered over Jinjava's built-ins of the same name, where Jinjava's version differs from what
    // Hugging Face templates expect. Stateless; safe from any thread.

    /** {@code tojson}, formatted as Python's {@code json.dumps} ({@link PyJson#tojson}). */
    static final class ToJsonFilter implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            return PyJson.tojson(var, args, kwargs);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PyJson.dumps(var);
        }
    }

    /** {@code items}: a mapping's (key, value) pairs, which {@code for k, v in ...} unpacks (Jinja 3.1). */
    static final class ItemsFilter implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) {
                return List.of();
            }
            if (!(var instanceof Map<?, ?> map)) {
                throw new IllegalStateException("items filter expects a mapping, got " + var.getClass().getSimpleName());
            }
            return new ArrayList<>(map.entrySet());
        }
    }

    /** {@code string}: Python's {@code str()} ({@code True}, not {@code true}). */
    static final class StrFilter implements Filter {
        @Override
        public String getName() {
            return "string";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PyRepr.str(var);
        }
    }

    /** {@code iterable} and {@code sequence} as Python has them ({@link PyValues#isIterable}). */
    private record IterableTest(String getName) implements ExpTest {
        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return PyValues.isIterable(var);
        }
    }

    /** {@code strftime_now}, a static method for Jinjava's function table. */
    static final class Strftime {
        private Strftime() {}

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
    }

    // -- tags ---------------------------------------------------------------------------------

    /**
     * Jinja's {@code for} tag, replacing Jinjava's: adds what Hugging Face templates use and Jinjava's
     * {@code ForTag} lacks, namely the loop filter ({@code for k, v in d.items() if v is not none}, which
     * Jinjava would read as a conditional expression over the whole list), {@code loop.previtem} /
     * {@code loop.nextitem}, iteration over a string's characters and the {@code else} block of an empty
     * loop. {@code loop.index}, {@code index0}, {@code first}, {@code last}, {@code length},
     * {@code revindex}, {@code break} and {@code continue} behave as in Jinjava (and Jinja). Recursive loops
     * are refused ({@link ForHeader}).
     *
     * <p>Stateless (the loop state lives in the render's context); one instance serves every render.
     */
    static final class PyForTag implements Tag {

        private static final long serialVersionUID = 1L;

        @Override
        public String getName() {
            return ForTag.TAG_NAME;
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            ForHeader header = forHeader(tagNode);
            List<Object> items = materialize(interpreter.resolveELExpression(header.iterable(), tagNode.getLineNumber()));
            if (header.filter() != null) {
                List<Object> kept = new ArrayList<>(items.size());
                for (Object item : items) {
                    try (InterpreterScopeClosable _ = interpreter.enterScope()) {
                        bind(interpreter, tagNode, header.vars(), interpreter.wrap(item));
                        if (ObjectTruthValue.evaluate(interpreter.resolveELExpression(header.filter(), tagNode.getLineNumber()))) {
                            kept.add(item);
                        }
                    }
                }
                items = kept;
            }

            List<Node> body = new ArrayList<>();
            List<Node> otherwise = new ArrayList<>();
            List<Node> target = body;
            for (Node child : tagNode.getChildren()) {
                if (target == body && child instanceof TagNode t && ElseTag.TAG_NAME.equals(t.getName())) {
                    target = otherwise;
                } else {
                    target.add(child);
                }
            }

            LengthLimitingStringBuilder out = new LengthLimitingStringBuilder(interpreter.getConfig().getMaxOutputSize());
            if (items.isEmpty()) {
                for (Node node : otherwise) {
                    out.append(node.render(interpreter).getValue());
                }
                return out.toString();
            }
            PyForLoop loop = new PyForLoop(items);
            try (InterpreterScopeClosable _ = interpreter.enterScope()) {
                interpreter.getContext().put(ForTag.LOOP, loop);
                while (loop.hasNext()) {
                    bind(interpreter, tagNode, header.vars(), interpreter.wrap(loop.next()));
                    for (Node node : body) {
                        out.append(node.render(interpreter).getValue());
                        if (loop.isContinued()) {
                            break; // continue or break: skip the rest of this iteration's body
                        }
                    }
                }
            }
            return out.toString();
        }

        /** Python iterates a string's characters and a mapping's keys; the rest as Jinjava does. */
        private static List<Object> materialize(Object collection) {
            List<Object> items = new ArrayList<>();
            if (collection instanceof String s) {
                s.codePoints().forEach(cp -> items.add(Character.toString(cp)));
                return items;
            }
            if (collection instanceof Map<?, ?> map) {
                items.addAll(map.keySet());
                return items;
            }
            ForLoop it = ObjectIterator.getLoop(collection);
            while (it.hasNext()) {
                items.add(it.next());
            }
            return items;
        }

        /** Unpacks one item into the loop variables, as Jinjava's ForTag does (pairs, lists, else the item). */
        private static void bind(JinjavaInterpreter interpreter, TagNode tagNode, List<String> vars, Object value) {
            if (vars.size() == 1) {
                interpreter.getContext().put(vars.getFirst(), value);
                return;
            }
            List<?> parts = switch (value) {
                case Map.Entry<?, ?> e -> Arrays.asList(e.getKey(), e.getValue());
                case List<?> l -> l;
                case null -> List.of();
                default -> throw new InterpretException(
                        "cannot unpack " + value.getClass().getSimpleName() + " into " + String.join(", ", vars),
                        tagNode.getLineNumber(), tagNode.getStartPosition());
            };
            if (value != null && parts.size() != vars.size()) {
                throw new InterpretException(
                        "cannot unpack " + parts.size() + " values into " + vars.size() + " loop variables",
                        tagNode.getLineNumber(), tagNode.getStartPosition());
            }
            for (int i = 0; i < vars.size(); i++) {
                interpreter.getContext().put(vars.get(i), i < parts.size() ? interpreter.wrap(parts.get(i)) : null);
            }
        }

        /** Jinjava's loop object plus Jinja's {@code previtem} and {@code nextitem} (undefined at the ends). */
        public static final class PyForLoop extends ForLoop {
            private final List<Object> items;

            PyForLoop(List<Object> items) {
                super(items.iterator(), items.size());
                this.items = items;
            }

            public Object getPrevitem() {
                int i = getIndex0();
                return i > 0 ? items.get(i - 1) : null;
            }

            public Object getNextitem() {
                int i = getIndex0();
                return i + 1 < items.size() ? items.get(i + 1) : null;
            }
        }

        private static ForHeader forHeader(TagNode tagNode) {
            try {
                return ForHeader.parse(tagNode.getHelpers(), tagNode.getLineNumber());
            } catch (IllegalArgumentException e) {
                throw new InterpretException(e.getMessage(), tagNode.getLineNumber(), tagNode.getStartPosition());
            }
        }
    }

    /**
     * {@code {% generation %}...{% endgeneration %}}: Hugging Face's {@code AssistantTracker} extension marks
     * the assistant's tokens for training masks with it; for prompting it renders its body unchanged.
     * Stateless.
     */
    static final class GenerationTag implements Tag {

        private static final long serialVersionUID = 1L;

        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            LengthLimitingStringBuilder out = new LengthLimitingStringBuilder(interpreter.getConfig().getMaxOutputSize());
            for (Node child : tagNode.getChildren()) {
                out.append(child.render(interpreter).getValue());
            }
            return out.toString();
        }
    }

    /**
     * Jinja's filter block, {@code {% filter trim %}...{% endfilter %}}: the rendered body goes through
     * the filter chain in the tag (Jinjava has no such tag). Stateless.
     */
    static final class FilterBlockTag implements Tag {

        private static final long serialVersionUID = 1L;

        /** Holds the body while the filter expression runs; not a name a template would use. */
        private static final String BODY = "__edgenode_filter_body__";

        @Override
        public String getName() {
            return "filter";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            LengthLimitingStringBuilder body = new LengthLimitingStringBuilder(interpreter.getConfig().getMaxOutputSize());
            for (Node child : tagNode.getChildren()) {
                body.append(child.render(interpreter).getValue());
            }
            try (InterpreterScopeClosable _ = interpreter.enterScope()) {
                interpreter.getContext().put(BODY, body.toString());
                Object filtered = interpreter.resolveELExpression(BODY + " | " + tagNode.getHelpers().trim(),
                        tagNode.getLineNumber());
                return Objects.toString(filtered, "");
            }
        }
    }

    // -- Jinjava itself -------------------------------------------------------------------------

    /** Jinjava with {@link PySyntax} as the expression grammar. */
    private static final class PyJinjava extends Jinjava {
        /** Parsed expression trees, shared by renders (JUEL's cache is thread-safe; the trees are immutable). */
        final TreeStore trees = new TreeStore(new PySyntax(), new Cache(1000));
        private final ExpressionFactory expressionFactory = new ExpressionFactoryImpl(trees, new PyTypeConverter());

        PyJinjava(JinjavaConfig config) {
            super(config);
        }

        @Override
        public ExpressionFactory getExpressionFactory() {
            return expressionFactory;
        }
    }

    /** Jinja refuses unknown filters and tests when it compiles; Jinjava would return null silently. */
    private static final class StrictRootContext extends Context {
        @Override
        public Filter getFilter(String name) {
            Filter filter = super.getFilter(name);
            if (filter == null) {
                throw new IllegalStateException("no filter named '" + name + "'");
            }
            return filter;
        }

        @Override
        public ExpTest getExpTest(String name) {
            ExpTest test = super.getExpTest(name);
            if (test == null) {
                throw new IllegalStateException("no test named '" + name + "'");
            }
            return test;
        }
    }
}
