package io.edgenode.core.chat;

import static io.edgenode.core.chat.ChatTemplateTest.CONVERSATION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Jinja as Hugging Face runs it, on the constructs real chat templates use. Expected texts are worked
 * out from Jinja's rules (and were checked against Python's Jinja 3.1 with Hugging Face's settings).
 */
class ChatTemplateJinjaTest {

    private static String render(String source, List<ChatMessage> messages, boolean addGenerationPrompt) {
        return ChatTemplate.of(Optional.of(source), "<s>", "</s>").render(messages, addGenerationPrompt);
    }

    private static String render(String source) {
        return render(source, CONVERSATION, true);
    }

    private static List<ChatMessage> messages(String... roleContent) {
        return java.util.stream.IntStream.range(0, roleContent.length / 2)
                .mapToObj(i -> new ChatMessage(roleContent[2 * i], roleContent[2 * i + 1]))
                .toList();
    }

    /** Mistral's v1 format: system text folded into the first user turn, strict alternation. */
    static final String MISTRAL_STYLE = """
            {%- if messages[0]['role'] == 'system' -%}
                {%- set system_message = messages[0]['content'] -%}
                {%- set loop_messages = messages[1:] -%}
            {%- else -%}
                {%- set loop_messages = messages -%}
            {%- endif -%}
            {{- bos_token -}}
            {%- for message in loop_messages -%}
                {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
                    {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') -}}
                {%- endif -%}
                {%- if message['role'] == 'user' -%}
                    {%- if loop.first and system_message is defined -%}
                        {{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' -}}
                    {%- else -%}
                        {{- ' [INST] ' + message['content'] + ' [/INST]' -}}
                    {%- endif -%}
                {%- elif message['role'] == 'assistant' -%}
                    {{- ' ' + message['content'] + eos_token -}}
                {%- else -%}
                    {{- raise_exception('Only user and assistant roles are supported!') -}}
                {%- endif -%}
            {%- endfor -%}
            """;

    @Test
    void shouldFoldSystemIntoFirstUserTurnInMistralStyle() {
        assertEquals("<s> [INST] You are terse.\n\n Hi there  [/INST] Hello!</s> [INST] Bye [/INST]", render(MISTRAL_STYLE));
        assertEquals("<s> [INST] a [/INST]", render(MISTRAL_STYLE, messages("user", "a"), true));
    }

    @Test
    void shouldRaiseTheTemplatesMessageOnBadAlternation() {
        ChatTemplate t = ChatTemplate.of(Optional.of(MISTRAL_STYLE), "<s>", "</s>");
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> t.render(messages("user", "a", "user", "b"), true));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
        e = assertThrows(ChatTemplateException.class, () -> t.render(messages("system", "s", "assistant", "a"), true));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
        e = assertThrows(ChatTemplateException.class,
                () -> t.render(messages("user", "a", "tool", "c"), true));
        assertEquals("Only user and assistant roles are supported!", e.getMessage());
    }

    /** Llama 2's format (its Hugging Face template, written out): BOS per turn, EOS after answers. */
    static final String LLAMA_2_STYLE = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
            + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
            + "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if loop.index0 == 0 and system_message != false %}"
            + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
            + "{% else %}{% set content = message['content'] %}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    @Test
    void shouldRenderLlama2StyleWithBosAndEos() {
        // strip() trims the joined text's ends only: the user's leading space stays after the system block.
        assertEquals("<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\n Hi there [/INST] Hello! </s><s>[INST] Bye [/INST]",
                render(LLAMA_2_STYLE));
        assertEquals("<s>[INST] Hi [/INST]", render(LLAMA_2_STYLE, messages("user", " Hi"), true));
        // Python's '' != false holds (different types); EL would coerce '' to false.
        assertEquals("<s>[INST] <<SYS>>\n\n<</SYS>>\n\nHi [/INST]", render(LLAMA_2_STYLE, messages("system", "", "user", "Hi"), true));
    }

    @Test
    void shouldTrackStateInNamespaceAndExposeLoopVariables() {
        String source = """
                {%- set ns = namespace(turns=0, last_user=-1) -%}
                {%- for m in messages -%}
                  {%- if m.role == 'user' -%}{%- set ns.turns = ns.turns + 1 -%}{%- set ns.last_user = loop.index0 -%}{%- endif -%}
                {%- endfor -%}
                {%- for m in messages -%}
                {{ loop.index }}/{{ loop.length }} {{ m.role }}{% if loop.first %} (first){% endif %}\
                {% if loop.index0 == ns.last_user %} (last user){% endif %}{% if loop.last %} (last){% endif %}: {{ m.content }}
                {% endfor -%}
                turns={{ ns.turns }}""";
        assertEquals("""
                1/4 system (first): You are terse.
                2/4 user:  Hi there\s
                3/4 assistant: Hello!
                4/4 user (last user) (last): Bye
                turns=2""", render(source));
    }

    @Test
    void shouldSupportLoopFilterPrevAndNextItemAndEmptyElse() {
        String source = "{% for m in messages if m.role != 'system' %}[{{ loop.index }}/{{ loop.length }} {{ m.role }}"
                + "{% if loop.previtem is defined %} after {{ loop.previtem.role }}{% endif %}"
                + "{% if loop.nextitem is defined %} before {{ loop.nextitem.role }}{% endif %}]{% endfor %}"
                + "{% for m in messages if m.role == 'tool' %}x{% else %}[no tools]{% endfor %}";
        assertEquals("[1/3 user before assistant][2/3 assistant after user before user][3/3 user after assistant][no tools]",
                render(source));
    }

    @Test
    void shouldIterateMappingsAndStringsAsPythonDoes() {
        assertEquals("a=1 b=2 |a b |x1 |h-i-",
                render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }} {% endfor %}|"
                        + "{% for k in {'a': 1, 'b': 2} %}{{ k }} {% endfor %}|"
                        + "{% for k, v in {'x': 1}|items %}{{ k }}{{ v }} {% endfor %}|"
                        + "{% for c in 'hi' %}{{ c }}-{% endfor %}"));
    }

    @Test
    void shouldBreakAndContinueLoops() {
        assertEquals("0 2 ", render("{% for i in range(5) %}{% if i == 1 %}{% continue %}{% endif %}"
                + "{% if i == 3 %}{% break %}{% endif %}{{ i }} {% endfor %}"));
    }

    @Test
    void shouldCallPythonStringMethods() {
        assertEquals("hi|hi |  hi|xx|True|True|False|['a', 'b']|['a', 'b', '', 'c']|['a', 'b,c']|['a,b', 'c']"
                        + "|r|HELLO|hello|Hello World|bba|2|-1|2|a-b|1+2=3|x",
                render("{{ '  hi  '.strip() }}|{{ '  hi '.lstrip() }}|{{ '  hi  '.rstrip() }}|{{ '--xx--'.strip('-') }}"
                        + "|{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x', 'c')) }}|{{ 'abc'.startswith('b') }}"
                        + "|{{ ' a  b '.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}"
                        + "|{{ '<think>t</think>r'.split('</think>')[-1] }}|{{ 'Hello'.upper() }}|{{ 'Hello'.lower() }}"
                        + "|{{ 'hello world'.title() }}|{{ 'aaa'.replace('a', 'b', 2) }}|{{ 'abc'.find('c') }}|{{ 'abc'.find('z') }}"
                        + "|{{ 'abab'.count('a') }}|{{ '-'.join(['a', 'b']) }}|{{ '{}+{}={x}'.format(1, 2, x=3) }}"
                        + "|{{ 'pre-x'.removeprefix('pre-') }}"));
    }

    @Test
    void shouldRefuseJavaMethodsOnStrings() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> render("{{ 'x'.repeat(3) }}"));
        assertTrue(e.getMessage().contains("'str' object has no attribute 'repeat'"), e.getMessage());
    }

    @Test
    void shouldIndexAndSliceLikePython() {
        assertEquals("b|c|Bye|user|3|3|olleh|el|[1, 3, 5]|[4, 5]|[]|2",
                render("{{ 'abc'[1] }}|{{ 'abc'[-1] }}|{{ messages[-1]['content'] }}|{{ messages[::-1][0].role }}"
                        + "|{{ messages[1:]|length }}|{{ messages[:-1]|length }}|{{ 'hello'[::-1] }}|{{ 'hello'[1:3] }}"
                        + "|{{ [1, 2, 3, 4, 5][::2] }}|{{ [1, 2, 3, 4, 5][-2:] }}|{{ [1, 2, 3][5:] }}"
                        + "|{{ messages[:messages|length-2]|length }}"));
    }

    @Test
    void shouldBindNotLooserThanTestsAndComparisons() {
        // Jinjava alone reads `not x is defined` as `(not x) is defined`, which is always true.
        assertEquals("False|True|True|False|2|5|3",
                render("{{ not add_generation_prompt is defined }}|{{ not undefined_thing is defined }}"
                        + "|{{ not 1 == 2 }}|{{ not messages|length > 1 }}|{{ 1+1 }}|{{ messages|length+1 }}"
                        + "{% set ns = namespace(last=messages|length - 1) %}|{{ ns.last }}"));
    }

    @Test
    void shouldFormatToJsonAsPythonJsonDumps() {
        assertEquals("{\"b\": 1, \"a\": [1, 2.5, null, true, \"é\\\"\\n\"]}|{\n  \"k\": [\n    1\n  ]\n}|{\"a\": 2, \"b\": 1}|\"x\"",
                render("{{ {'b': 1, 'a': [1, 2.5, none, true, 'é\"\\n']}|tojson }}|{{ {'k': [1]}|tojson(indent=2) }}"
                        + "|{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}|{{ 'x'|tojson }}"));
    }

    @Test
    void shouldPrintValuesAsPythonStr() {
        assertEquals("True|False|1.0|1.5|[1, 'a', True, None]|{'a': 1}|aTrue|True|",
                render("{{ true }}|{{ false }}|{{ 1.0 }}|{{ 3 / 2 }}|{{ [1, 'a', true, none] }}|{{ {'a': 1} }}"
                        + "|{{ 'a' ~ true }}|{{ true|string }}|{{ no_such_variable }}"));
    }

    @Test
    void shouldTestIterablesAsPythonDoes() {
        assertEquals("True|True|True|True|False",
                render("{{ 'x' is iterable }}|{{ messages is iterable }}|{{ {} is iterable }}|{{ 'x' is string }}|{{ 1 is iterable }}"));
    }

    @Test
    void shouldConcatenateMissingValuesAsEmptyLikeLlamaCpp() {
        assertEquals("a|", render("{{ 'a' + no_such_variable }}|{{ no_such_variable ~ '' }}"));
        assertThrows(ChatTemplateException.class, () -> render("{{ 1 + no_such_variable }}"));
    }

    @Test
    void shouldApplyWhitespaceControlAsJinjaDoes() {
        // A comment separates texts: the '-' of the if strips only the text after the comment.
        assertEquals("a\n\nb", render("{{ 'a' }}\n\n    {# c #}\n    {%- if true %}b{% endif %}"));
        // lstrip_blocks strips indentation before a block, not text before it on the same line.
        assertEquals("Hello X world\n", render("Hello {% if true %}X{% endif %} world\n  {% if true %}\n{% endif %}"));
        // A comment's own markers strip on their own side only.
        assertEquals("|  y\nw", render("|\n  {#- x #}\n  y\n{# z -#}\n  w"));
        // trim_blocks drops the newline after a block; one trailing newline of the template is dropped.
        assertEquals("A\nB", render("{% if true %}\nA\n{% endif %}\nB\n"));
        // Line breaks are normalized.
        assertEquals("a\nb\nc", render("a\r\nb\rc"));
        // No whitespace needed inside delimiters (Phi-3 writes {{'...'}}).
        assertEquals("<|user|>\nBye<|end|>\n", render("{{'<|user|>\n' + messages[-1]['content'] + '<|end|>\n'}}"));
    }

    @Test
    void shouldRenderFilterAndGenerationBlocks() {
        assertEquals("INSIDE X|gen", render("{% filter upper %}inside {{ 'x' }}{% endfilter %}|{% generation %}gen{% endgeneration %}"));
    }

    @Test
    void shouldRenderRecursiveMacros() {
        assertEquals("3 2 1 ", render("{% macro down(n) %}{% if n > 0 %}{{ n }} {{ down(n - 1) }}{% endif %}{% endmacro %}{{ down(3) }}"));
    }

    @Test
    void shouldRepeatStringsAndListsAsPythonDoesAndStillMultiplyNumbers() {
        assertEquals("[        ]", render("{% set depth = 2 %}[{{ '    ' * depth }}]"));
        assertEquals("abab|abab|", render("{{ 'ab' * 2 }}|{{ 2 * 'ab' }}|{{ 'x' * 0 }}{{ 'x' * -3 }}"));
        assertEquals("[1, 2, 1, 2]", render("{{ [1, 2] * 2 }}"));
        assertEquals("6|7.5|2", render("{{ 2 * 3 }}|{{ 2.5 * 3 }}|{{ 10 - 4 * 2 }}"));
        org.junit.jupiter.api.Assertions.assertThrows(ChatTemplateException.class,
                () -> render("{{ 'x' * 100000000 }}"));
    }
}
