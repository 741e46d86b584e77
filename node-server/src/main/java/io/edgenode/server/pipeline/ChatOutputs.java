package io.edgenode.server.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgenode.core.chat.ChatMessage;
import io.edgenode.core.chat.ChatTemplate;
import io.edgenode.core.chat.ChatTemplateException;
import io.edgenode.core.chat.ToolSpec;
import io.edgenode.core.chat.tools.ToolCallFormat;
import io.edgenode.core.chat.tools.ToolTemplateAnalyses;
import io.edgenode.core.engine.Constraint;
import io.edgenode.core.grammar.JsonGrammars;
import io.edgenode.core.grammar.JsonSchemaConverter;
import io.edgenode.core.grammar.SchemaConversionException;
import io.edgenode.core.llama.GrammarException;
import io.edgenode.core.llama.GrammarSampler;
import io.edgenode.server.node.LoadedModel;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.OutputFormat;
import io.edgenode.server.openai.ToolUse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The plan stage's output shaping for chat: renders prompts with the request's tools in the
 * model's own format, builds the grammar for its tool calls or its {@code response_format}, checks
 * that llama.cpp accepts that grammar (so a bad one is a 400 before anything is submitted, never a
 * failure inside the engine), and names the parser that reads the calls back.
 *
 * <p>Thread-safe: shared by a node's requests (virtual threads). Template analyses and built
 * grammars are cached, bounded, least recently used first out: a model's template is analysed once,
 * and the same tool set on the same model (what an agent loop sends every turn) builds and
 * validates its grammar once.
 *
 * <p>A {@code pattern} with no GBNF equivalent (unanchored, or a regex feature GBNF lacks) is
 * refused in a {@code strict} tool or schema, and widened to any string otherwise, as llama.cpp
 * does, with a logged warning.
 */
public final class ChatOutputs {
    private static final System.Logger LOG = System.getLogger(ChatOutputs.class.getName());
    static final int CACHED_GRAMMARS = 256;

    private final ToolTemplateAnalyses analyses = new ToolTemplateAnalyses(32);
    private final Map<GrammarKey, Constraint> grammars = new LinkedHashMap<>(16, 0.75f, true);

    /** One built and validated grammar: the model (its vocabulary), what it was built from. */
    private record GrammarKey(String model, String templateSource, String what) {}

    /**
     * The output plan of a request's tools and {@code response_format} on model {@code m}.
     *
     * @throws ApiException 400 for a schema the converter cannot honour ({@code param} names the
     *     tool or the response format), or a grammar llama.cpp refuses
     */
    public ChatOutputPlan plan(LoadedModel m, ToolUse tools, OutputFormat format) {
        ChatTemplate template = m.template();
        ToolCallFormat calls = tools == null ? null : analyses.of(template).format();
        ChatOutputPlan.Renderer renderer = calls == null ? template::render
                : (messages, addGenerationPrompt) -> calls.prompt(template, messages, tools.tools(),
                        addGenerationPrompt);
        if (tools != null && tools.callsAllowed()) {
            Constraint c = cached(new GrammarKey(m.id(), template.source(), "tools:" + calls.name() + ":"
                    + tools.choice() + ":" + tools.parallel() + ":" + toolsKey(tools.tools())),
                    () -> toolGrammar(calls, tools), "tools", m);
            List<ToolSpec> offered = tools.tools();
            return new ChatOutputPlan(renderer, c, () -> calls.newParser(offered));
        }
        Constraint c = switch (format) {
            case OutputFormat.Text t -> null;
            case OutputFormat.JsonObject o -> cached(new GrammarKey(m.id(), "", "json_object"),
                    () -> Constraint.of(JsonGrammars.anyJsonObject()), "response_format", m);
            case OutputFormat.JsonSchema s -> cached(new GrammarKey(m.id(), "", "schema:" + s.strict() + s.schema()),
                    () -> Constraint.of(schemaGrammar(s.schema(), s.strict())), "response_format.json_schema.schema",
                    m);
        };
        return new ChatOutputPlan(renderer, c, null);
    }

    /** The prompt text of {@code messages} under {@code plan}. */
    public static String prompt(ChatOutputPlan plan, List<ChatMessage> messages) {
        try {
            return plan.renderer().render(messages, true);
        } catch (ChatTemplateException e) {
            throw new ApiException(ApiError.invalidRequest("messages", e.getMessage()));
        }
    }

    /**
     * The grammar of the request's calls: each tool's parameters checked alone first, so that a
     * schema the converter cannot honour is reported against that tool.
     */
    private static Constraint toolGrammar(ToolCallFormat calls, ToolUse tools) {
        for (int i = 0; i < tools.tools().size(); i++) {
            ToolSpec t = tools.tools().get(i);
            try {
                // strict: a pattern with no GBNF equivalent is refused, not widened to any string
                JsonSchemaConverter alone = new JsonSchemaConverter(false, t.strict());
                alone.addSchema("parameters", t.parameters());
                for (String w : alone.warnings()) {
                    LOG.log(System.Logger.Level.WARNING, "tool {0}: {1}", t.name(), w);
                }
            } catch (SchemaConversionException e) {
                throw new ApiException(ApiError.invalidRequest("tools[" + i + "].function.parameters",
                        "invalid_function_parameters", "Invalid schema for function '" + t.name() + "': "
                                + e.getMessage()));
            }
        }
        // Strict tools passed the strict check above, so widening here only ever touches non-strict ones.
        JsonSchemaConverter rules = new JsonSchemaConverter();
        Constraint c = calls.constraint(tools.tools(), tools.choice(), tools.parallel(), rules);
        // The format wrote its rules into the converter, which holds the whole grammar.
        return new Constraint(rules.format(), c.root(), c.triggers());
    }

    private static String schemaGrammar(JsonNode schema, boolean strict) {
        try {
            JsonSchemaConverter converter = new JsonSchemaConverter(false, strict);
            converter.addSchema("root", schema);
            for (String w : converter.warnings()) {
                LOG.log(System.Logger.Level.WARNING, "response_format: {0}", w);
            }
            return converter.format();
        } catch (SchemaConversionException e) {
            throw new ApiException(ApiError.invalidRequest("response_format.json_schema.schema",
                    "invalid_json_schema", "Invalid schema for response_format: " + e.getMessage()));
        }
    }

    /** A grammar built and checked against {@code m}'s vocabulary, or the one built before. */
    private Constraint cached(GrammarKey key, java.util.function.Supplier<Constraint> build, String param,
            LoadedModel m) {
        synchronized (grammars) {
            Constraint known = grammars.get(key);
            if (known != null) {
                return known;
            }
        }
        Constraint c = build.get();
        try {
            GrammarSampler.validate(m.model().vocab(), c.grammar(), c.root());
        } catch (GrammarException e) {
            throw new ApiException(ApiError.invalidRequest(param, "invalid_grammar",
                    "The grammar built for '" + param + "' was refused by llama.cpp: " + e.getMessage()));
        }
        synchronized (grammars) {
            grammars.put(key, c);
            if (grammars.size() > CACHED_GRAMMARS) {
                grammars.remove(grammars.keySet().iterator().next());
            }
        }
        return c;
    }

    private static String toolsKey(List<ToolSpec> tools) {
        StringBuilder b = new StringBuilder();
        for (ToolSpec t : tools) {
            b.append(t.name()).append('\u0000').append(t.strict()).append('\u0000').append(t.parameters())
                    .append('\u0001');
        }
        return b.toString();
    }
}
