package io.edgenode.core.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.TypeConvertingMapELResolver;
import com.hubspot.jinjava.el.ext.JinjavaBeanELResolver;
import com.hubspot.jinjava.el.ext.JinjavaListELResolver;
import com.hubspot.jinjava.interpret.AutoCloseableSupplier.AutoCloseableImpl;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.ElseIfTag;
import com.hubspot.jinjava.lib.tag.IfTag;
import com.hubspot.jinjava.lib.tag.SetTag;
import com.hubspot.jinjava.tree.ExpressionNode;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;
import io.edgenode.core.chat.TemplateFunctions.TemplateRaisedException;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeBuilderException;
import jinjava.de.odysseus.el.tree.TreeStore;
import jinjava.de.odysseus.el.tree.impl.Cache;
import jinjava.javax.el.ArrayELResolver;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ExpressionFactory;

/**
 * Hugging Face's flavour of Jinja ({@code apply_chat_template}: {@code trim_blocks},
 * {@code lstrip_blocks}, the globals {@code raise_exception} and {@code strftime_now}, a Python-style
 * {@code tojson}) on Jinjava, with Jinjava's departures from Jinja corrected through its extension
 * points: the whitespace rules ({@link JinjaTreeBuilder}), the expression grammar
 * ({@link PyExpressionSyntax}, {@link PySlice}), Python's {@code str} methods and string indexing
 * ({@link PyStringMethods}), value printing ({@link PyOutput}, {@link PyRepr}), filters and tests
 * ({@link PyFilters}, {@link PyTests}), the {@code for} tag ({@link PyForTag}) and the
 * {@code generation} and {@code filter} blocks. An unknown filter or test is an error (Jinja refuses to
 * compile it; Jinjava would silently yield nothing).
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
 * root context and interpreter, and parsed trees are only read while rendering.
 */
final class HfJinjaEnvironment {

    /** Output cap for one render: far above any context window, low enough to stop a runaway template. */
    static final long MAX_OUTPUT_CHARS = 64L << 20;

    /**
     * Jinja's behaviour where Jinjava keeps a legacy one: dict literal keys are expressions,
     * {@code for} over a dict yields its keys, {@code a + b|f} applies the filter to {@code b}, and a
     * {@code -} marker counts only right at its delimiter. Not {@link LegacyOverrides#ALL}: its
     * {@code whitespaceRequiredWithinTokens} would leave <code>{{'x'}}</code> (Phi-3 writes it so) as
     * literal text. (The whitespace options for Jinjava's own tree parser do not apply:
     * {@link JinjaTreeBuilder} replaces it.)
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

    HfJinjaEnvironment(Clock clock) {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PyStringMethods()); // first: strings never reach Java reflection
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
        jinjava.getGlobalContext().registerFunction(function(TemplateFunctions.RAISE_EXCEPTION, "raiseException", Object.class));
        jinjava.getGlobalContext().registerFunction(function(TemplateFunctions.STRFTIME_NOW, "strftimeNow", String.class));
    }

    /**
     * Parses a template once: the tag tree (unclosed blocks, unknown tags) and the syntax of every
     * expression Jinjava would otherwise parse only when it first evaluates it.
     *
     * @throws ChatTemplateException if the template is not valid Jinja for this environment
     */
    Node parse(String template) {
        JinjavaInterpreter interpreter = new JinjavaInterpreter(jinjava, newRootContext(), config);
        try (AutoCloseableImpl<JinjavaInterpreter> _ = JinjavaInterpreter.closeablePushCurrent(interpreter).get()) {
            Node root = JinjaTreeBuilder.build(template, interpreter);
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
    String render(Node root, Map<String, Object> variables) {
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
        for (Filter filter : PyFilters.all()) {
            root.registerFilter(filter);
        }
        for (ExpTest test : PyTests.all()) {
            root.registerExpTest(test);
        }
        root.registerTag(new PyForTag());
        root.registerTag(new GenerationTag());
        root.registerTag(new FilterBlockTag());
        // In Jinja the globals are variables too: templates test `strftime_now is defined`.
        root.put(TemplateFunctions.RAISE_EXCEPTION, new TemplateFunctions.Global(TemplateFunctions.RAISE_EXCEPTION));
        root.put(TemplateFunctions.STRFTIME_NOW, new TemplateFunctions.Global(TemplateFunctions.STRFTIME_NOW));
        return root;
    }

    private static ELFunctionDefinition function(String name, String method, Class<?>... parameterTypes) {
        return new ELFunctionDefinition("", name, TemplateFunctions.class, method, parameterTypes);
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
                            PyForTag.Header header = PyForTag.Header.parse(t);
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

    /** Jinjava with {@link PyExpressionSyntax} as the expression grammar. */
    private static final class PyJinjava extends Jinjava {
        /** Parsed expression trees, shared by renders (JUEL's cache is thread-safe; the trees are immutable). */
        final TreeStore trees = new TreeStore(new PyExpressionSyntax(), new Cache(1000));
        private final ExpressionFactory expressionFactory = new ExpressionFactoryImpl(trees, new PyOutput.PyTypeConverter());

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
