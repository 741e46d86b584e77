package io.edgenode.core.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.store.synth.ChatTemplates;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The public contract: project templates, the fallback, compile errors, refused conversations. */
class ChatTemplateTest {

    static final List<ChatMessage> CONVERSATION = List.of(
            new ChatMessage("system", "You are terse."),
            new ChatMessage("user", " Hi there "),
            new ChatMessage("assistant", "Hello!"),
            new ChatMessage("user", "Bye"));

    private static ChatTemplate template(String source) {
        return ChatTemplate.of(Optional.of(source), "<s>", "</s>");
    }

    @Test
    void shouldRenderSyntheticLlama3TemplateExactly() {
        ChatTemplate t = ChatTemplate.of(Optional.of(ChatTemplates.LLAMA_3), "<|begin_of_text|>", "<|eot_id|>");
        String turns = "<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>";
        assertEquals(turns + "<|start_header_id|>assistant<|end_header_id|>\n\n", t.render(CONVERSATION, true));
        assertEquals(turns, t.render(CONVERSATION, false));
        assertFalse(t.isFallback());
        assertEquals(ChatTemplates.LLAMA_3, t.source());
    }

    @Test
    void shouldRenderSyntheticPlainRolesTemplateExactly() {
        ChatTemplate t = ChatTemplate.of(Optional.of(ChatTemplates.PLAIN_ROLES), "<s>", "</s>");
        String turns = "SYSTEM: You are terse.\nUSER:  Hi there \nASSISTANT: Hello!</s>\nUSER: Bye\n";
        assertEquals(turns + "ASSISTANT:", t.render(CONVERSATION, true));
        assertEquals(turns, t.render(CONVERSATION, false));
    }

    @Test
    void shouldSkipRolesThePlainTemplateDoesNotKnow() {
        ChatTemplate t = ChatTemplate.of(Optional.of(ChatTemplates.PLAIN_ROLES), "<s>", "</s>");
        List<ChatMessage> withTool = List.of(new ChatMessage("user", "q"), new ChatMessage("tool", "42"), new ChatMessage("user", "s"));
        assertEquals("USER: q\nUSER: s\n", t.render(withTool, false));
    }

    @Test
    void shouldFallBackToChatMlWithoutTemplate() {
        ChatTemplate t = ChatTemplate.fallback("<s>", "</s>");
        assertTrue(t.isFallback());
        assertEquals(ChatTemplate.CHATML, t.source());
        assertEquals("<|im_start|>system\nYou are terse.<|im_end|>\n"
                + "<|im_start|>user\n Hi there <|im_end|>\n"
                + "<|im_start|>assistant\nHello!<|im_end|>\n"
                + "<|im_start|>user\nBye<|im_end|>\n"
                + "<|im_start|>assistant\n", t.render(CONVERSATION, true));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n", t.render(List.of(new ChatMessage("user", "Hi")), false));
    }

    @Test
    void shouldFallBackWhenTheModelTemplateIsAbsentOrBlank() {
        assertTrue(ChatTemplate.of(Optional.empty(), "", "").isFallback());
        assertTrue(ChatTemplate.of(Optional.of(" \n"), "", "").isFallback());
        assertEquals(ChatTemplate.fallback("", "").render(CONVERSATION, true),
                ChatTemplate.of(Optional.empty(), "", "").render(CONVERSATION, true));
    }

    @Test
    void shouldPassSpecialTokenTextsAndGenerationFlag() {
        ChatTemplate t = template("{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ messages|length }}");
        assertEquals("<s>|</s>|True|4", t.render(CONVERSATION, true));
        assertEquals("<s>|</s>|False|4", t.render(CONVERSATION, false));
        assertEquals("||True|4", ChatTemplate.of(Optional.of(t.source()), "", "").render(CONVERSATION, true));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{% if messages %}never closed",
        "{% for m in messages %}{{ m.content }}",
        "{% endif %}",
        "{% if true %}{% endfor %}",
        "{% frobnicate %}",
        "{{ messages[ }}",
        "{{ 'unterminated }}",
        "{% if messages| %}x{% endif %}",
        "{% for in messages %}{% endfor %}",
        "{% set x = (1 + %}",
        "{# never closed",
    })
    void shouldRefuseBrokenTemplateWhenCompiling(String source) {
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> template(source));
        assertTrue(e.getMessage().startsWith("invalid chat template: "), e.getMessage());
    }

    @Test
    void shouldReportTheTemplatesOwnRaiseExceptionMessage() {
        ChatTemplate t = template("{% for m in messages %}{% if m.role == 'system' %}"
                + "{{ raise_exception('System role not supported') }}{% endif %}{{ m.content }}{% endfor %}");
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(CONVERSATION, true));
        assertEquals("System role not supported", e.getMessage());
        assertEquals("Hi", t.render(List.of(new ChatMessage("user", "Hi")), true));
    }

    @Test
    void shouldRefuseUnsupportedRoleBeforeRendering() {
        ChatTemplate t = ChatTemplate.fallback("", "");
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> t.render(List.of(new ChatMessage("developer", "x")), true));
        assertEquals("unsupported role 'developer' in messages[0]; expected one of system, user, assistant, tool", e.getMessage());
    }

    @Test
    void shouldRefuseEmptyConversation() {
        ChatTemplate t = ChatTemplate.fallback("", "");
        assertThrows(ChatTemplateException.class, () -> t.render(List.of(), true));
    }

    @Test
    void shouldTreatMessageTextAsDataNotTemplate() {
        ChatTemplate t = ChatTemplate.of(Optional.of(ChatTemplates.PLAIN_ROLES), "", "");
        String hostile = "{{ raise_exception('boom') }} {% if %} {# x #} {{ bos_token }}";
        assertEquals("USER: " + hostile + "\n", t.render(List.of(new ChatMessage("user", hostile)), false));
    }

    @Test
    void shouldFailOnUnknownFilterInsteadOfDroppingTheValue() {
        ChatTemplate t = template("{{ messages[0].content | frobnicate }}");
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(CONVERSATION, true));
        assertTrue(e.getMessage().contains("no filter named 'frobnicate'"), e.getMessage());
    }

    @Test
    void shouldFormatTheCurrentDateWithStrftimeNow() {
        Clock clock = Clock.fixed(Instant.parse("2024-07-26T23:30:00Z"), ZoneOffset.ofHours(2));
        ChatTemplate t = ChatTemplate.of(Optional.of(
                "{% if strftime_now is defined %}{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M') }}{% endif %}"),
                "", "", clock);
        assertEquals("27 Jul 2024|2024-07-27 01:30", t.render(CONVERSATION, true));
    }
}
