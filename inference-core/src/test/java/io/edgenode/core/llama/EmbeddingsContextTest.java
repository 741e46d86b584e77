package io.edgenode.core.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The binding's embeddings calls: what llama.cpp hands back, and what it would abort on refused first. */
class EmbeddingsContextTest {

    @Test
    void shouldPoolPerSequenceAndRefuseSequencesWithoutAVector() {
        LlamaLibrary library = LlamaLibrary.load();
        try (LlamaModel model = LlamaModel.load(library, TestModels.tiny(QuantType.F16), ModelParams.defaults());
                LlamaContext ctx = LlamaContext.create(model, ContextParams.single(256).withBatch(64, 32).withSeqMax(4)
                        .withThreads(1).withEmbeddings(PoolingType.MEAN));
                Batch batch = new Batch(64, 1)) {
            assertEquals(PoolingType.MEAN, ctx.poolingType());
            assertEquals(model.embeddingLength(), model.embeddingOutputLength());
            assertThrows(IllegalArgumentException.class, () -> ctx.sequenceEmbedding(0), "before any decode");
            for (int i = 0; i < 33; i++) {
                batch.add(5, i, 0, true);
            }
            assertThrows(IllegalArgumentException.class, () -> ctx.decode(batch), "over n_ubatch");
            batch.clear();
            batch.add(5, 0, 0, true);
            batch.add(6, 1, 0, true);
            ctx.decode(batch);
            MemorySegment v = ctx.sequenceEmbedding(0);
            assertEquals(model.embeddingLength() * 4L, v.byteSize());
            assertThrows(IllegalArgumentException.class, () -> ctx.sequenceEmbedding(1), "sequence with no tokens");
            assertThrows(IllegalArgumentException.class, () -> ctx.sequenceEmbedding(4), "seq id out of range");
        }
    }

    @Test
    void shouldReportNoPoolingForAGenerationContext() {
        LlamaLibrary library = LlamaLibrary.load();
        try (LlamaModel model = LlamaModel.load(library, TestModels.tiny(QuantType.F16), ModelParams.defaults());
                LlamaContext ctx = LlamaContext.create(model, ContextParams.single(256).withThreads(1))) {
            assertEquals(PoolingType.NONE, ctx.poolingType());
            assertThrows(IllegalStateException.class, () -> ctx.sequenceEmbedding(0));
        }
    }
}
