package io.edgenode.core.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgenode.core.engine.TokenTextDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenizationTest {
    private static LlamaModel model;

    @BeforeAll
    static void load() {
        model = LlamaModel.load(LlamaLibrary.load(), TestModels.tiny(QuantType.Q8_0), ModelParams.defaults());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Hello, world!", "  leading and trailing  ", "tabs\tand\nnewlines",
            "emoji 😀🚀 and CJK 中文字 and é ñ ü", "𝄞 musical", ""})
    void shouldRoundTripTextThroughTheByteVocabulary(String text) {
        Vocab vocab = model.vocab();
        int[] tokens = vocab.tokenize(text, false, false);
        assertEquals(text, vocab.detokenize(tokens, false, false));
        // and streamed token by token, never splitting a character
        StringBuilder streamed = new StringBuilder();
        try (TokenTextDecoder decoder = new TokenTextDecoder(vocab)) {
            for (int t : tokens) {
                String piece = decoder.append(t);
                assertTrue(piece.indexOf('\uFFFD') < 0, "no replacement characters mid-stream");
                streamed.append(piece);
            }
            streamed.append(decoder.flush());
        }
        assertEquals(text, streamed.toString());
    }

    @Test
    void shouldUseOneByteTokenPerByteForCharactersWithoutAPiece() {
        Vocab vocab = model.vocab();
        String emoji = "😀";
        int[] tokens = vocab.tokenize(emoji, false, false);
        // the 4 UTF-8 bytes of the emoji, as <0xF0> <0x9F> <0x98> <0x80> (ids 3 + byte value)
        byte[] utf8 = emoji.getBytes(StandardCharsets.UTF_8);
        assertEquals(utf8.length, tokens.length, java.util.Arrays.toString(tokens));
        for (int i = 0; i < utf8.length; i++) {
            assertEquals(String.format("<0x%02X>", utf8[i] & 0xFF), vocab.text(tokens[i]));
        }
    }

    @Test
    void shouldAddBosAndMarkEndOfGeneration() {
        Vocab vocab = model.vocab();
        int[] tokens = vocab.tokenize("hi", true, false);
        assertEquals(vocab.bos(), tokens[0]);
        assertEquals(1, vocab.bos());
        assertEquals(2, vocab.eos());
        assertTrue(vocab.isEndOfGeneration(vocab.eos()));
        assertTrue(!vocab.isEndOfGeneration(tokens[1]));
    }

    @Test
    void shouldLoadTheSharedThirdPartyModelWhenPresent() {
        Optional<Path> shared = TestModels.sharedTinyRandom();
        assumeTrue(shared.isPresent(), "../shared/models/llama-2-tiny-random.gguf not present");
        try (LlamaModel m = LlamaModel.load(LlamaLibrary.load(), shared.get(), ModelParams.defaults());
                LlamaContext ctx = LlamaContext.create(m, ContextParams.single(128).withThreads(1));
                var gen = new io.edgenode.core.engine.SingleStreamGenerator(ctx)) {
            assertEquals(32000, m.vocab().size());
            assertEquals(1, m.layerCount());
            assertTrue(m.chatTemplate().isEmpty());
            // real SentencePiece vocabulary: "Hello world" is a handful of tokens, not one per byte
            int[] tokens = m.vocab().tokenize("Hello world", false, false);
            assertTrue(tokens.length <= 4, java.util.Arrays.toString(tokens));
            assertEquals("Hello world", m.vocab().detokenize(tokens, false, false));
            var stats = gen.generate("Hello world", 12, SamplingParams.greedy(), true, s -> {});
            assertEquals(12, stats.generatedTokens());
        }
    }
}
