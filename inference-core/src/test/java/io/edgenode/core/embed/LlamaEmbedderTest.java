package io.edgenode.core.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.PoolingType;
import io.edgenode.core.llama.QuantType;
import io.edgenode.core.llama.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The synthetic tiny model has random weights: these tests check properties, not meaning. */
class LlamaEmbedderTest {
    private static final int MAX_TOKENS = 64;
    private static LlamaLibrary library;
    private static Path gguf;
    private static LlamaEmbedder embedder;

    @BeforeAll
    static void open() {
        library = LlamaLibrary.load();
        gguf = TestModels.tiny(QuantType.F16);
        embedder = LlamaEmbedder.open(library, gguf, new LlamaEmbedderConfig("tiny-embed", Pooling.MEAN, MAX_TOKENS, 8, 2));
    }

    @AfterAll
    static void close() {
        embedder.close();
    }

    private static final List<String> EIGHT = List.of("the quick brown fox", "jumps over", "a lazy dog",
            "embeddings through llama.cpp", "x", "edge nodes serve models", "pooling by mean", "ünïcödé text");

    @Test
    void shouldReportTheModelsHiddenSizeAsDimensions() {
        assertEquals(256, embedder.dimensions()); // ModelPreset.TINY's n_embd
        assertEquals(MAX_TOKENS, embedder.maxInputTokens());
        assertEquals(PoolingType.MEAN, embedder.pooling());
    }

    @Test
    void shouldReturnFiniteUnitVectors() {
        EmbeddingResult r = embedder.embed(EIGHT);
        assertEquals(EIGHT.size(), r.size());
        for (int i = 0; i < r.size(); i++) {
            float[] v = r.vector(i);
            assertEquals(256, v.length);
            double sq = 0;
            for (float x : v) {
                assertTrue(Float.isFinite(x), "input " + i + " has a non-finite component");
                sq += (double) x * x;
            }
            assertEquals(1.0, Math.sqrt(sq), 1e-4, "input " + i);
            assertTrue(r.tokenCount(i) > 0);
        }
    }

    @Test
    void shouldGiveTheSameVectorAloneAndInsideABatchOfEight() {
        for (int i = 0; i < EIGHT.size(); i++) {
            float[] alone = embedder.embed(List.of(EIGHT.get(i))).vector(0);
            float[] inBatch = embedder.embed(EIGHT).vector(i);
            assertTrue(cosine(alone, inBatch) >= 0.9999, "input " + i + ": cosine " + cosine(alone, inBatch));
        }
    }

    @Test
    void shouldGiveDifferentTextsDifferentVectors() {
        EmbeddingResult r = embedder.embed(EIGHT);
        for (int i = 0; i < r.size(); i++) {
            for (int j = i + 1; j < r.size(); j++) {
                assertTrue(cosine(r.vector(i), r.vector(j)) < 0.9999, "inputs " + i + " and " + j + " coincide");
            }
        }
    }

    @Test
    void shouldRefuseAnOverLongInputWithItsIndex() {
        String tooLong = "a".repeat(MAX_TOKENS * 2); // the byte vocabulary: one token per byte at least
        EmbeddingInputException e = assertThrows(EmbeddingInputException.class,
                () -> embedder.embed(List.of("fine", "also fine", tooLong)));
        assertEquals(2, e.index());
        assertEquals(EmbeddingInputException.Reason.TOO_LONG, e.reason());
    }

    @Test
    void shouldRefuseTokenIdsOutsideTheVocabularyBeforeLlamaCppSeesThem() {
        EmbeddingInputException e = assertThrows(EmbeddingInputException.class,
                () -> embedder.embedTokens(List.of(new int[] {1, 2}, new int[] {1, 100_000})));
        assertEquals(1, e.index());
        assertEquals(EmbeddingInputException.Reason.INVALID, e.reason());
    }

    @Test
    void shouldRunMoreInputsThanOneBatchInChunks() {
        List<String> twenty = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            twenty.add("text number " + i);
        }
        EmbeddingResult r = embedder.embed(twenty);
        assertEquals(20, r.size());
        float[] alone = embedder.embed(List.of(twenty.get(17))).vector(0);
        assertTrue(cosine(alone, r.vector(17)) >= 0.9999);
    }

    @Test
    void shouldRefuseTheModelsOwnPoolingWhenItDeclaresNone() {
        // The synthetic llama model has no pooling_type key: llama.cpp would pool nothing per sequence.
        EmbeddingException e = assertThrows(EmbeddingException.class, () -> LlamaEmbedder.open(library, gguf,
                new LlamaEmbedderConfig("tiny-model-pooling", Pooling.MODEL, 32, 2, 1)));
        assertTrue(e.getMessage().contains("declares no pooling"), e.getMessage());
    }

    @Test
    void shouldRefuseRunsFromASecondThread() throws Exception {
        embedder.embed(List.of("claims the owner thread"));
        Throwable t = CompletableFuture.runAsync(() -> embedder.embed(List.of("other thread")))
                .handle((ok, err) -> err).get();
        assertTrue(t != null && t.getCause() instanceof IllegalStateException, String.valueOf(t));
    }

    @Test
    void shouldServeCallersOfAnyThreadBehindTheBatcherWithOneWorker() throws Exception {
        LlamaEmbedder own = LlamaEmbedder.open(library, gguf, new LlamaEmbedderConfig("tiny-last", Pooling.LAST, 32, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> new BatchingEmbedder(own, 2, 8, Duration.ZERO));
        try (BatchingEmbedder batcher = new BatchingEmbedder(own, 1, 64, Duration.ZERO)) {
            assertEquals(PoolingType.LAST, own.pooling());
            List<CompletableFuture<float[]>> calls = new ArrayList<>();
            for (String text : EIGHT) {
                calls.add(CompletableFuture.supplyAsync(() -> batcher.embed(List.of(text)).vector(0),
                        Thread::startVirtualThread));
            }
            for (int i = 0; i < EIGHT.size(); i++) {
                float[] direct = batcher.embed(List.of(EIGHT.get(i))).vector(0);
                assertTrue(cosine(direct, calls.get(i).get()) >= 0.9999, "input " + i);
            }
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
