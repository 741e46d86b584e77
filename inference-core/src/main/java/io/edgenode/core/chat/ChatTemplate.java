package io.edgenode.core.chat;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A model's chat template (GGUF {@code tokenizer.chat_template}, Hugging Face style Jinja), compiled
 * once and immutable, so any thread may render with it, concurrently; it turns a conversation into
 * prompt text as llama.cpp's server does with its own Jinja engine.
 *
 * <p>Templates see what {@code apply_chat_template} gives them: {@code messages} (a list of mappings
 * with {@code role} and {@code content}, content a string, or None on an assistant turn that only calls tools), {@code add_generation_prompt},
 * {@code bos_token}, {@code eos_token}, and the globals {@code raise_exception(msg)} and
 * {@code strftime_now(fmt)} (local time zone); with tools, also {@code tools} and the messages'
 * {@code tool_calls}, {@code tool_call_id} and {@code name} ({@link TemplateInputs}). How Jinjava is made to follow Jinja, and the differences that remain, are
 * described in {@link JinjavaAdapter}, the package's only contact with Jinjava.
 *
 * <p><b>Fallback.</b> A model without a template (or with an empty one) gets ChatML, which is what
 * llama.cpp falls back to (its {@code CHATML_TEMPLATE_SRC}):
 *
 * <pre>
 * &lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n      (per message)
 * &lt;|im_start|&gt;assistant\n                         (when add_generation_prompt)
 * </pre>
 *
 * No BOS text is emitted: the tokenizer adds it where the vocabulary asks for it. Note that ChatML's
 * markers are plain text to a vocabulary that lacks them as special tokens.
 *
 * <p><b>Roles.</b> {@code system}, {@code user}, {@code assistant} and {@code tool}; any other role is
 * refused before the template runs. Templates may refuse more (Gemma has no system role; Mistral
 * requires alternating turns) through {@code raise_exception}.
 *
 * <p>Each render builds its own Jinjava context over the shared, read-only parse tree (Jinjava's
 * contexts cannot be shared between renders). A render costs in the order of a millisecond (0.5 to
 * 2.5 ms for Phi-3.5, Llama 3.1 and Qwen 3 templates, measured on a busy 2-core machine): call it on a
 * worker thread, not on an event loop.
 */
public final class ChatTemplate {

    /** llama.cpp's {@code CHATML_TEMPLATE_SRC}, the template used when a model has none. */
    static final String CHATML = """
            {%- for message in messages -%}
              {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}
            {%- endfor -%}
            {%- if add_generation_prompt -%}
              {{- '<|im_start|>assistant\\n' -}}
            {%- endif -%}""";

    /** The roles a message may have. */
    static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

    private final String source;
    private final boolean fallback;
    private final String bosToken;
    private final String eosToken;
    private final CompiledTemplate compiled;
    private volatile ToolCapabilities capabilities;

    private ChatTemplate(String source, boolean fallback, String bosToken, String eosToken, Clock clock) {
        this.source = source;
        this.fallback = fallback;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.compiled = JinjavaAdapter.compile(source, clock);
    }

    /**
     * Compiles a model's template.
     *
     * @param template the GGUF template text, or empty (or blank) for the {@linkplain ChatTemplate fallback}
     * @param bosToken the vocabulary's BOS token text ("" if none)
     * @param eosToken the vocabulary's EOS token text ("" if none)
     * @throws ChatTemplateException if the template does not parse
     */
    public static ChatTemplate of(Optional<String> template, String bosToken, String eosToken) {
        return of(template, bosToken, eosToken, Clock.systemDefaultZone());
    }

    /** As {@link #of(Optional, String, String)}, with the clock {@code strftime_now} reads (tests). */
    static ChatTemplate of(Optional<String> template, String bosToken, String eosToken, Clock clock) {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(bosToken, "bosToken");
        Objects.requireNonNull(eosToken, "eosToken");
        Objects.requireNonNull(clock, "clock");
        Optional<String> text = template.filter(t -> !t.isBlank());
        return text.isPresent()
                ? new ChatTemplate(text.get(), false, bosToken, eosToken, clock)
                : new ChatTemplate(CHATML, true, bosToken, eosToken, clock);
    }

    /** The documented ChatML fallback. */
    public static ChatTemplate fallback(String bosToken, String eosToken) {
        return of(Optional.empty(), bosToken, eosToken);
    }

    /** The BOS token text the template renders with ("" if the vocabulary has none). */
    public String bosToken() {
        return bosToken;
    }

    /** Whether this is the ChatML fallback rather than the model's own template. */
    public boolean isFallback() {
        return fallback;
    }

    /** The template text in use (the model's, or the fallback's). */
    public String source() {
        return source;
    }

    /**
     * Renders a conversation into prompt text.
     *
     * @param messages the conversation, oldest first
     * @param addGenerationPrompt whether to append the header that opens the assistant's turn
     * @throws ChatTemplateException on an empty conversation, a role other than system, user, assistant
     *     and tool, a template's {@code raise_exception(...)} (message = the template's text) or any
     *     template error
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, List.of());
    }

    /**
     * Renders a conversation with tools: {@code tools} in OpenAI's shape (absent when the list is
     * empty, as Hugging Face does), assistant turns with {@code tool_calls} (their arguments as text
     * or as a mapping, whichever {@linkplain #toolCapabilities() the template wants}), tool results
     * with {@code tool_call_id} and the called function's {@code name}.
     *
     * @throws ChatTemplateException as {@link #render(List, boolean)}
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, List<ToolSpec> tools) {
        Objects.requireNonNull(messages, "messages");
        Objects.requireNonNull(tools, "tools");
        // The probes cost a few renders; only a history with calls needs their answer.
        boolean asObject = messages.stream().anyMatch(m -> m != null && !m.toolCalls().isEmpty())
                && toolCapabilities().argumentsAsObject();
        return render(messages, addGenerationPrompt, tools, asObject);
    }

    /** As {@link #render(List, boolean, List)}, with the arguments' shape chosen by the caller (the probes). */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt, List<ToolSpec> tools, boolean argumentsAsObject) {
        if (messages.isEmpty()) {
            // Most templates read messages[0]; Jinja would fail there, Jinjava would render a bare prompt.
            throw new ChatTemplateException("messages must not be empty");
        }
        Map<String, Object> variables = new HashMap<>();
        variables.put("messages", TemplateInputs.messages(messages, argumentsAsObject));
        if (!tools.isEmpty()) {
            variables.put("tools", TemplateInputs.tools(tools));
        }
        variables.put("add_generation_prompt", addGenerationPrompt);
        variables.put("bos_token", bosToken);
        variables.put("eos_token", eosToken);
        return compiled.render(variables);
    }

    /**
     * What this template does with tools, probed on first use and then kept (a benign race: two
     * threads may both probe, and get the same answer).
     */
    public ToolCapabilities toolCapabilities() {
        ToolCapabilities c = capabilities;
        if (c == null) {
            c = ToolProbes.probe(this);
            capabilities = c;
        }
        return c;
    }

    @Override
    public String toString() {
        return fallback ? "ChatTemplate[fallback ChatML]" : "ChatTemplate[" + source.length() + " chars]";
    }
}
