package io.edgenode.core.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OnnxEmbedderTest {
    private static OnnxEmbedder int8;
    private static OnnxEmbedder fp32;

    @BeforeAll
    static void open() {
        int8 = OnnxEmbedder.open(BuiltinEmbeddingModel.ALL_MINILM_L6_V2_Q, "minilm", 8, 1);
        fp32 = OnnxEmbedder.open(BuiltinEmbeddingModel.ALL_MINILM_L6_V2, "minilm-f32", 8, 1);
    }

    @AfterAll
    static void close() {
        int8.close();
        fp32.close();
    }

    @Test
    void shouldDescribeTheBuiltinModel() {
        assertEquals("minilm", int8.modelId());
        assertEquals(384, int8.dimensions());
        assertEquals(512, int8.maxInputTokens());
    }

    @Test
    void shouldMatchLangChain4jsInt8VectorsAtCosineOneMinusTenToTheMinusFour() {
        assertMatchesReference(int8, "minilm-q-reference.json");
    }

    @Test
    void shouldMatchLangChain4jsFp32VectorsToo() {
        assertMatchesReference(fp32, "minilm-f32-reference.json");
    }

    @Test
    void shouldRunEachInputAloneOnlyForTheDynamicallyQuantizedModel() {
        assertFalse(int8.sharedRuns());
        assertTrue(fp32.sharedRuns());
    }

    @Test
    void shouldLetBatchNeighboursChangeAnInt8VectorWhenRunsAreShared() {
        // Why InputBatching.AUTO runs the int8 model per input: forced to share, its vectors move.
        OnnxEmbedderConfig shared = new OnnxEmbedderConfig("minilm-shared", Pooling.MEAN, 512, 8, 1,
                InputBatching.SHARED);
        try (OnnxEmbedder e = OnnxEmbedder.open(BuiltinEmbeddingModel.ALL_MINILM_L6_V2_Q, shared)) {
            String text = "hi";
            float[] alone = e.embed(List.of(text)).vector(0);
            float[] batched = e.embed(List.of("a considerably longer sentence to pad against", text)).vector(1);
            double cos = EmbedFixtures.cosine(alone, batched);
            assertTrue(cos < 0.9999 && cos > 0.9, "cosine " + cos);
        }
    }

    private static void assertMatchesReference(OnnxEmbedder e, String file) {
        List<EmbedFixtures.Reference> ref = EmbedFixtures.reference(file);
        // All in one call: padded batches (chunks of 8 with inputs of different lengths) must not
        // change any vector, so this also proves the attention mask and masked pooling.
        EmbeddingResult r = e.embed(ref.stream().map(EmbedFixtures.Reference::text).toList());
        for (int i = 0; i < ref.size(); i++) {
            double cos = EmbedFixtures.cosine(ref.get(i).vector(), r.vector(i));
            assertTrue(cos >= 0.9999, file + " text " + i + " (" + ref.get(i).text() + "): cosine " + cos);
            assertEquals(1.0, EmbedFixtures.norm(r.vector(i)), 1e-5);
        }
    }

    @Test
    void shouldPlaceParaphrasesCloserThanUnrelatedSentences() {
        List<EmbedFixtures.Reference> ref = EmbedFixtures.reference("minilm-q-reference.json");
        // The first 12 texts are 6 pairs of paraphrases.
        List<String> texts = ref.subList(0, 12).stream().map(EmbedFixtures.Reference::text).toList();
        EmbeddingResult r = int8.embed(texts);
        for (int p = 0; p < 6; p++) {
            double paired = EmbedFixtures.cosine(r.vector(2 * p), r.vector(2 * p + 1));
            for (int q = 0; q < 6; q++) {
                if (q != p) {
                    double unrelated = EmbedFixtures.cosine(r.vector(2 * p), r.vector(2 * q));
                    assertTrue(paired > unrelated + 0.1, "pair " + p + " (" + paired + ") vs " + q + " (" + unrelated
                            + ")");
                }
            }
        }
    }

    @Test
    void shouldGiveTheSameVectorAloneAsInABatch() {
        String shortText = "hi";
        String longText = "a considerably longer sentence that forces the short one to be padded in the batch";
        for (OnnxEmbedder e : List.of(int8, fp32)) {
            float[] alone = e.embed(List.of(shortText)).vector(0);
            float[] batched = e.embed(List.of(longText, shortText)).vector(1);
            assertTrue(EmbedFixtures.cosine(alone, batched) > 0.99999, e.modelId());
        }
    }

    @Test
    void shouldCountTokensWithSpecialTokens() {
        EmbeddingResult r = int8.embed(List.of("Hello, world!", ""));
        assertArrayEquals(new int[] {6, 2}, r.tokenCounts());
        assertEquals(8, r.totalTokens());
    }

    @Test
    void shouldEmbedTokenIdsAsGivenEqualToTheirText() {
        int[] ids = {101, 7592, 1010, 2088, 999, 102};
        float[] fromIds = int8.embedTokens(List.of(ids)).vector(0);
        float[] fromText = int8.embed(List.of("Hello, world!")).vector(0);
        assertTrue(EmbedFixtures.cosine(fromIds, fromText) > 0.99999);
    }

    @Test
    void shouldRefuseAnInputOverTheMaxTokensNamingItsIndex() {
        String tooLong = "word ".repeat(600);
        EmbeddingInputException e = assertThrows(EmbeddingInputException.class,
                () -> int8.embed(List.of("fine", tooLong)));
        assertEquals(1, e.index());
        assertTrue(e.getMessage().contains("512"), e.getMessage());
    }

    @Test
    void shouldRefuseTokenIdsOutsideTheVocabularyOrEmpty() {
        assertEquals(0, assertThrows(EmbeddingInputException.class,
                () -> int8.embedTokens(List.of(new int[] {101, 30522}))).index());
        assertEquals(1, assertThrows(EmbeddingInputException.class,
                () -> int8.embedTokens(List.of(new int[] {101}, new int[] {-1}))).index());
        assertEquals(0, assertThrows(EmbeddingInputException.class,
                () -> int8.embedTokens(List.of(new int[0]))).index());
    }

    @Test
    void shouldRunInChunksOfMaxBatchOrPerInput() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            texts.add("sentence number " + i);
        }
        long before = fp32.runs();
        assertEquals(20, fp32.embed(texts).size());
        assertEquals(3, fp32.runs() - before); // 8 + 8 + 4
        before = int8.runs();
        assertEquals(20, int8.embed(texts).size());
        assertEquals(20, int8.runs() - before);
    }
}
