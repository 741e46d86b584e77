package io.edgenode.core.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WordPieceTokenizerTest {
    private static WordPieceTokenizer tokenizer;

    @BeforeAll
    static void read() throws IOException {
        try (InputStream in = BuiltinEmbeddingModel.ALL_MINILM_L6_V2_Q.openTokenizer()) {
            tokenizer = WordPieceTokenizer.read(in);
        }
    }

    @Test
    void shouldProduceHuggingFaceIdsOnEveryCorpusText() {
        List<EmbedFixtures.Tokenized> corpus = EmbedFixtures.wordpieceIds();
        assertTrue(corpus.size() >= 140, "corpus size " + corpus.size());
        List<String> mismatches = new ArrayList<>();
        for (EmbedFixtures.Tokenized t : corpus) {
            int[] ours = tokenizer.encode(t.text());
            if (!Arrays.equals(t.ids(), ours)) {
                mismatches.add(escape(t.text()) + "\n  HF:   " + Arrays.toString(t.ids()) + "\n  ours: "
                        + Arrays.toString(ours));
            }
        }
        assertEquals(List.of(), mismatches, mismatches.size() + " of " + corpus.size() + " differ");
    }

    @Test
    void shouldWrapInClsAndSep() {
        assertArrayEquals(new int[] {101, 7592, 1010, 2088, 999, 102}, tokenizer.encode("Hello, world!"));
        assertArrayEquals(new int[] {101, 102}, tokenizer.encode(""));
    }

    @Test
    void shouldTokenizeAnyStringAClientCanSendIntoIdsOfTheVocabulary() {
        // Lone surrogates, unassigned code points, controls, huge words: whatever JSON can carry.
        java.util.Random rnd = new java.util.Random(15);
        for (int n = 0; n < 2000; n++) {
            StringBuilder b = new StringBuilder();
            int len = rnd.nextInt(200);
            for (int i = 0; i < len; i++) {
                int kind = rnd.nextInt(4);
                if (kind == 0) {
                    b.append((char) rnd.nextInt(0x10000)); // any UTF-16 unit, lone surrogates included
                } else if (kind == 1) {
                    b.appendCodePoint(rnd.nextInt(Character.MAX_CODE_POINT + 1)); // any code point, unassigned ones too
                } else {
                    b.append(" a[MASK]é,中\u0000".charAt(rnd.nextInt(10)));
                }
            }
            int[] ids = tokenizer.encode(b.toString());
            assertEquals(101, ids[0]);
            assertEquals(102, ids[ids.length - 1]);
            for (int id : ids) {
                assertTrue(id >= 0 && id < tokenizer.vocabularySize(), "id " + id);
            }
        }
        assertArrayEquals(new int[] {101, 100, 102}, tokenizer.encode("z".repeat(100_000)));
    }

    @Test
    void shouldKnowItsVocabularySize() {
        assertEquals(30522, tokenizer.vocabularySize());
    }

    @Test
    void shouldRefuseATokenizerItDoesNotImplement() {
        String bpe = """
                {"model": {"type": "BPE", "vocab": {"a": 0}}, "normalizer": null,
                 "pre_tokenizer": {"type": "ByteLevel"}}""";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WordPieceTokenizer.read(new ByteArrayInputStream(bpe.getBytes(StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().contains("WordPiece"), e.getMessage());
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c > 0x7e) {
                b.append(String.format("\\u{%x}", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
