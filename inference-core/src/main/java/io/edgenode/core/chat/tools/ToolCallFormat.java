package io.edgenode.core.chat.tools;

import io.edgenode.core.chat.ChatMessage;
import io.edgenode.core.chat.ChatTemplate;
import io.edgenode.core.chat.ToolSpec;
import io.edgenode.core.engine.Constraint;
import io.edgenode.core.grammar.GrammarRules;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One family's tool-call syntax, from both sides: how the prompt shows tools, the grammar that
 * makes the model write well-formed calls, and the parser that reads them back. Found for a
 * template by {@link ToolTemplateAnalysis}. Implementations are immutable and safe from any thread;
 * the parsers they make are not (one per response).
 */
public interface ToolCallFormat {

    /** A short name for logs and metrics ({@code "hermes"}, {@code "llama3"}, ...). */
    String name();

    /**
     * The prompt for a request with tools: the template renders the conversation with {@code tools}
     * (or, for a format that explains the tools itself, with its own system message).
     */
    default String prompt(ChatTemplate template, List<ChatMessage> messages, List<ToolSpec> tools, boolean addGenerationPrompt) {
        return template.render(messages, addGenerationPrompt, tools);
    }

    /**
     * Marker texts the tokenizer should keep as the vocabulary's special tokens where it has them
     * (llama.cpp's preserved tokens); these are also the grammar's trigger words.
     */
    List<String> markers();

    /**
     * The grammar that forces well-formed calls whose arguments follow each tool's parameters schema.
     *
     * @param tools    the request's tools (non-empty)
     * @param choice   {@code Auto}: lazy, triggered by the start marker; {@code Required} or
     *                 {@code Named}: from the first token; {@code None}: no grammar (null)
     * @param parallel whether several calls may follow one another (else exactly one)
     * @param rules    where the rules go (see {@link GrammarWriter} for what the returned text holds)
     * @return the constraint, or null for {@code None}
     * @throws IllegalArgumentException if {@code tools} is empty (and the choice is not None), or
     *     {@code Named} names no tool in {@code tools}
     */
    Constraint constraint(List<ToolSpec> tools, ToolChoice choice, boolean parallel, GrammarRules rules);

    /**
     * A parser for one response.
     *
     * @param tools the functions a call may name (a call of another is content); empty accepts any
     * @param ids   the ids given to the calls, in order
     */
    ToolCallParser newParser(List<ToolSpec> tools, Supplier<String> ids);

    /** A parser with this format's usual call ids ({@link ToolCallIds#random()}, Mistral's nine characters). */
    default ToolCallParser newParser(List<ToolSpec> tools) {
        return newParser(tools, ToolCallIds.random());
    }

    /** A parser that accepts any function name. */
    default ToolCallParser newParser() {
        return newParser(List.of());
    }

    /** The tools' names, for a parser. */
    static Set<String> names(List<ToolSpec> tools) {
        return tools.stream().map(ToolSpec::name).collect(Collectors.toUnmodifiableSet());
    }
}
