package io.edgenode.store.synth;

/**
 * The Jinja chat templates written into synthetic models.
 *
 * <p>Both templates put every newline in literal template text next to an expression, and strip all
 * other whitespace with {@code -} markers, so they render the same with and without Jinja's
 * {@code trim_blocks}/{@code lstrip_blocks} (Hugging Face turns them on, Jinjava leaves them off), and
 * they use no string escapes, which Jinja engines treat differently. llama.cpp recognizes both
 * (its {@code llm_chat_detect_template}) as its built-in "vicuna-orca" and "llama3" formats and
 * renders the same text, except that {@link #LLAMA_3} also emits the BOS text.
 */
public final class ChatTemplates {

    /**
     * Plain role-tagged turns for the byte vocabulary, which has no role tokens (the Vicuna/Orca
     * convention):
     *
     * <pre>
     * SYSTEM: {system}\n
     * USER: {user}\n
     * ASSISTANT: {assistant}&lt;/s&gt;\n
     * ASSISTANT:            (when add_generation_prompt)
     * </pre>
     *
     * Assistant turns end with {@code </s>}, the vocabulary's end-of-sequence control token, so a
     * model trained on this format stops after its turn. Messages with other roles are skipped. BOS is
     * not part of the template: the tokenizer adds it ({@code tokenizer.ggml.add_bos_token = true}).
     */
    public static final String PLAIN_ROLES = """
            {#- Edgenode synthetic chat format: plain-text role markers, assistant turns closed by the end-of-sequence token. -#}
            {%- for message in messages -%}
            {%- if message['role'] == 'system' -%}
            SYSTEM: {{ message['content'] }}
            {% elif message['role'] == 'user' -%}
            USER: {{ message['content'] }}
            {% elif message['role'] == 'assistant' -%}
            ASSISTANT: {{ message['content'] }}</s>
            {% endif -%}
            {%- endfor -%}
            {%- if add_generation_prompt -%}
            ASSISTANT:
            {%- endif -%}""";

    /**
     * The Llama 3 turn format, for models built on a Llama 3 vocabulary that came without a template:
     *
     * <pre>
     * &lt;|begin_of_text|&gt;
     * &lt;|start_header_id|&gt;{role}&lt;|end_header_id|&gt;\n\n{content, trimmed}&lt;|eot_id|&gt;   (per message)
     * &lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;\n\n                    (when add_generation_prompt)
     * </pre>
     *
     * The template emits the BOS text itself, as Llama 3's own template does, so the rendered prompt
     * is tokenized with special-token parsing on and without adding another BOS.
     */
    public static final String LLAMA_3 = """
            {#- Edgenode Llama 3 chat format: header-tagged turns, each closed by the end-of-turn token. -#}
            {{- '<|begin_of_text|>' -}}
            {%- for message in messages -%}
            {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>' }}

            {{ message['content'] | trim }}<|eot_id|>
            {%- endfor -%}
            {%- if add_generation_prompt -%}
            <|start_header_id|>assistant<|end_header_id|>

            {% endif -%}""";

    private ChatTemplates() {}
}
