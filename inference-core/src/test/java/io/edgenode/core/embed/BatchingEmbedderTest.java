package io.edgenode.core.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class BatchingEmbedderTest {

    @Test
    void shouldCoalesceConcurrentCallersIntoOneSharedRun() throws Exception {
        coalesce(BuiltinEmbeddingModel.ALL_MINILM_L6_V2, 1);
    }

    @Test
    void shouldCoalesceConcurrentCallersIntoOneBatchOfPerInputRunsForInt8() throws Exception {
        coalesce(BuiltinEmbeddingModel.ALL_MINILM_L6_V2_Q, 16);
    }

    private static void coalesce(BuiltinEmbeddingModel model, int expectedRuns) throws Exception {
        OnnxEmbedder raw = OnnxEmbedder.open(model, "minilm", 16, 1);
        // The reference: each text embedded alone on the raw path.
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            texts.add("caller " + i + " asks about " + (i % 2 == 0 ? "aisle seats on flights" : "the price of tea"));
        }
        List<float[]> alone = new ArrayList<>();
        for (String t : texts) {
            alone.add(raw.embed(List.of(t)).vector(0));
        }
        // A long linger so all 16 callers land in one batch however the threads are scheduled.
        try (BatchingEmbedder batching = new BatchingEmbedder(raw, 1, 64, Duration.ofSeconds(5));
                ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            long runsBefore = batching.runs();
            CountDownLatch start = new CountDownLatch(1);
            List<Future<EmbeddingResult>> results = new ArrayList<>();
            for (String t : texts) {
                results.add(callers.submit(() -> {
                    start.await();
                    return batching.embed(List.of(t));
                }));
            }
            start.countDown();
            for (int i = 0; i < texts.size(); i++) {
                EmbeddingResult r = results.get(i).get();
                assertEquals(1, r.size());
                assertTrue(EmbedFixtures.cosine(alone.get(i), r.vector(0)) > 0.99999, "caller " + i);
                // Not merely close to any vector: closest to its own text of all 16.
                for (int j = 0; j < texts.size(); j++) {
                    if (j != i) {
                        assertTrue(EmbedFixtures.cosine(alone.get(j), r.vector(0))
                                < EmbedFixtures.cosine(alone.get(i), r.vector(0)), "caller " + i + " vs " + j);
                    }
                }
            }
            assertEquals(1, batching.batches(), "16 callers of one input each, max batch 16: one batch");
            assertEquals(16, batching.coalescedJobs());
            assertEquals(expectedRuns, batching.runs() - runsBefore);
        }
    }

    @Test
    void shouldFailOnlyTheCallerWithTheBadInput() throws Exception {
        OnnxEmbedder raw = OnnxEmbedder.open(BuiltinEmbeddingModel.ALL_MINILM_L6_V2_Q, "minilm", 16, 1);
        try (BatchingEmbedder batching = new BatchingEmbedder(raw, 1, 64, Duration.ZERO)) {
            EmbeddingInputException e = assertThrows(EmbeddingInputException.class,
                    () -> batching.embed(List.of("ok", "x ".repeat(1000))));
            assertEquals(1, e.index());
            assertEquals(2, batching.embed(List.of("still", "serving")).size());
        }
    }

    @Test
    void shouldSplitACallLargerThanTheBatch() {
        OnnxEmbedder raw = OnnxEmbedder.open(BuiltinEmbeddingModel.ALL_MINILM_L6_V2_Q, "minilm", 4, 1);
        try (BatchingEmbedder batching = new BatchingEmbedder(raw, 2, 8, Duration.ZERO)) {
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                texts.add("text " + i);
            }
            EmbeddingResult r = batching.embed(texts);
            assertEquals(10, r.size());
            assertTrue(EmbedFixtures.cosine(r.vector(7), raw.embed(List.of("text 7")).vector(0)) > 0.99999);
        }
    }

    @Test
    void shouldRefuseCallsAfterClose() {
        OnnxEmbedder raw = OnnxEmbedder.open(BuiltinEmbeddingModel.ALL_MINILM_L6_V2_Q, "minilm", 4, 1);
        BatchingEmbedder batching = new BatchingEmbedder(raw, 1, 8, Duration.ZERO);
        batching.close();
        assertThrows(IllegalStateException.class, () -> batching.embed(List.of("late")));
        assertThrows(IllegalStateException.class, () -> raw.embed(List.of("late")));
    }
}
