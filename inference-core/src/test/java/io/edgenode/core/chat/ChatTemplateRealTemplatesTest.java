package io.edgenode.core.chat;

import static io.edgenode.core.chat.ChatTemplateTest.CONVERSATION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The model vendors' own chat templates, as llama.cpp keeps them for its tests
 * ({@code models/templates/*.jinja} in the llama.cpp source tree that {@code scripts/native source DIR}
 * unpacks). They are not copied into this repository (vendor licenses). The source tree is
 * {@code -Dedgenode.llamaSource=DIR}, else {@code EDGENODE_LLAMA_SOURCE=DIR}, else
 * {@code native/build/llama.cpp-src} under {@code edgenode.home} (where {@code scripts/native source}
 * puts it by convention).
 *
 * <p>Without it the test is skipped, unless {@code EDGENODE_REQUIRE_LLAMA_SOURCE=1} (or
 * {@code -Dedgenode.requireLlamaSource=true}) says it must run: then it fails, saying how to get the
 * source. {@code .ci/run} sets it, so template fidelity cannot go green in CI by skipping.
 *
 * <p>The expected texts follow each template's rules by hand; all of them, and the whole directory on
 * a set of conversations, were also checked against Python's Jinja 3.1 with Hugging Face's settings.
 */
class ChatTemplateRealTemplatesTest {

    private static final Clock JULY_26_2024 = Clock.fixed(Instant.parse("2024-07-26T12:00:00Z"), ZoneOffset.UTC);

    private Path templates;

    /** The llama.cpp source tree to read, whether or not it exists. */
    static Path llamaSource() {
        String source = System.getProperty("edgenode.llamaSource", System.getenv("EDGENODE_LLAMA_SOURCE"));
        if (source != null && !source.isBlank()) {
            return Path.of(source);
        }
        return Path.of(System.getProperty("edgenode.home", "."), "native", "build", "llama.cpp-src");
    }

    /** Whether a missing source must fail the build (CI) rather than skip these tests (a laptop without it). */
    static boolean sourceRequired() {
        return Boolean.getBoolean("edgenode.requireLlamaSource") || "1".equals(System.getenv("EDGENODE_REQUIRE_LLAMA_SOURCE"));
    }

    /** Skips, or fails when the source is required, with what to run. */
    static void require(boolean present, String what) {
        String message = what + ": run `scripts/native source DIR` and set EDGENODE_LLAMA_SOURCE=DIR"
                + " (or -Dedgenode.llamaSource=DIR), or unpack it to native/build/llama.cpp-src";
        if (sourceRequired()) {
            assertTrue(present, message + " (required: EDGENODE_REQUIRE_LLAMA_SOURCE / edgenode.requireLlamaSource)");
        } else {
            assumeTrue(present, message);
        }
    }

    @BeforeEach
    void locate() {
        templates = llamaSource().resolve("models").resolve("templates");
        require(Files.isDirectory(templates), "no llama.cpp reference templates under " + templates);
    }

    private ChatTemplate load(String file, String bos, String eos) throws IOException {
        Path path = templates.resolve(file);
        require(Files.isRegularFile(path), "missing " + path);
        return ChatTemplate.of(Optional.of(Files.readString(path)), bos, eos, JULY_26_2024);
    }

    @Test
    void shouldRenderLlama31() throws IOException {
        ChatTemplate t = load("meta-llama-Llama-3.1-8B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>");
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are terse.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", t.render(CONVERSATION, true));
    }

    @Test
    void shouldRenderLlama32WithTodaysDate() throws IOException {
        ChatTemplate t = load("meta-llama-Llama-3.2-3B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>");
        assertTrue(t.render(CONVERSATION, true).contains("Today Date: 26 Jul 2024\n\n"));
    }

    @Test
    void shouldRenderQwen25WithAndWithoutSystemPrompt() throws IOException {
        ChatTemplate t = load("Qwen-Qwen2.5-7B-Instruct.jinja", "", "<|im_end|>");
        assertEquals("<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\n Hi there <|im_end|>\n"
                + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n",
                t.render(CONVERSATION, true));
        assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                t.render(List.of(new ChatMessage("user", "Hi")), true));
    }

    @Test
    void shouldDropEarlierReasoningInQwen3() throws IOException {
        ChatTemplate t = load("Qwen-Qwen3-0.6B.jinja", "", "<|im_end|>");
        List<ChatMessage> conversation = List.of(new ChatMessage("user", "Q1"),
                new ChatMessage("assistant", "<think>\nr\n</think>\n\nA1"), new ChatMessage("user", "Q2"));
        assertEquals("<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n"
                + "<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\n", t.render(conversation, true));
    }

    @Test
    void shouldFoldSystemIntoLastUserTurnInMistralNemo() throws IOException {
        ChatTemplate t = load("mistralai-Mistral-Nemo-Instruct-2407.jinja", "<s>", "</s>");
        assertEquals("<s>[INST] Hi there [/INST]Hello!</s>[INST]You are terse.\n\nBye[/INST]", t.render(CONVERSATION, true));
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> t.render(List.of(new ChatMessage("user", "a"), new ChatMessage("user", "b")), true));
        assertEquals("After the optional system message, conversation roles must alternate user/assistant/user/assistant/...",
                e.getMessage());
    }

    @Test
    void shouldRefuseSystemRoleInGemma2() throws IOException {
        ChatTemplate t = load("google-gemma-2-2b-it.jinja", "<bos>", "<eos>");
        assertEquals("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
                + "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n", t.render(List.of(new ChatMessage("user", "Hi"),
                        new ChatMessage("assistant", "Hello!"), new ChatMessage("user", "Bye")), true));
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(CONVERSATION, true));
        assertEquals("System role not supported", e.getMessage());
    }

    @Test
    void shouldRenderEveryTemplateInTheDirectory() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(templates)) {
            files = s.filter(p -> p.toString().endsWith(".jinja")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        List<ChatMessage> single = List.of(new ChatMessage("user", "Hello"));
        List<ChatMessage> turns = List.of(new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello!"),
                new ChatMessage("user", "Bye"));
        List<String> failures = new ArrayList<>();
        for (Path file : files) {
            try {
                ChatTemplate t = ChatTemplate.of(Optional.of(Files.readString(file)), "<s>", "</s>", JULY_26_2024);
                String prompt = t.render(single, true);
                assertTrue(prompt.contains("Hello"), file + ": " + prompt);
                String history = t.render(turns, false);
                assertTrue(history.contains("Hi") && history.contains("Bye"), file + ": " + history);
            } catch (ChatTemplateException e) {
                failures.add(file.getFileName() + ": " + e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
    }
}
