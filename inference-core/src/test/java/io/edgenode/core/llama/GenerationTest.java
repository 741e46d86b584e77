package io.edgenode.core.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.engine.GenerationStats;
import io.edgenode.core.engine.SingleStreamGenerator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class GenerationTest {
    private static LlamaLibrary library;

    @BeforeAll
    static void load() {
        library = LlamaLibrary.load();
    }

    /** Greedy tokens of one run, collected through a fresh sampler on sequence 0. */
    private static List<Integer> greedyTokens(LlamaContext ctx, int[] prompt, int n) {
        List<Integer> tokens = new ArrayList<>();
        ctx.removeSequence(0, -1, -1);
        try (Batch batch = new Batch(ctx.batchSize(), 1);
                SamplerChain sampler = SamplerChain.create(ctx.model().vocab(), SamplingParams.greedy())) {
            for (int i = 0; i < prompt.length; i++) {
                batch.add(prompt[i], i, 0, i == prompt.length - 1);
            }
            ctx.decode(batch);
            int idx = prompt.length - 1;
            for (int pos = prompt.length; tokens.size() < n; pos++) {
                int t = sampler.sample(ctx, idx);
                tokens.add(t);
                batch.clear();
                idx = batch.add(t, pos, 0, true);
                ctx.decode(batch);
            }
        }
        return tokens;
    }

    @ParameterizedTest
    @EnumSource(value = QuantType.class, names = {"F32", "F16", "Q8_0", "Q4_0", "Q4_K_M"})
    void shouldLoadAndGenerateEveryQuantization(QuantType type) {
        try (LlamaModel model = LlamaModel.load(library, TestModels.tiny(type), ModelParams.defaults());
                LlamaContext ctx = LlamaContext.create(model, ContextParams.single(256).withThreads(1));
                SingleStreamGenerator gen = new SingleStreamGenerator(ctx)) {
            assertEquals(2, model.layerCount());
            assertEquals(256, model.embeddingLength());
            assertEquals(384, model.vocab().size());
            StringBuilder text = new StringBuilder();
            GenerationStats stats = gen.generate("Hello edge", 24, SamplingParams.greedy(), true, text::append);
            assertEquals(24, stats.generatedTokens());
            assertTrue(stats.promptTokens() >= 2, "BOS plus the prompt's tokens");
            assertTrue(stats.decodeSteps() == 23, "one decode per token after the first: " + stats);
        }
    }

    @Test
    void shouldGenerateTheSameGreedyTokensTwice() {
        try (LlamaModel model = LlamaModel.load(library, TestModels.tiny(QuantType.Q8_0), ModelParams.defaults());
                LlamaContext ctx = LlamaContext.create(model, ContextParams.single(256).withThreads(1))) {
            int[] prompt = model.vocab().tokenize("The quick brown fox", true, false);
            List<Integer> first = greedyTokens(ctx, prompt, 32);
            List<Integer> second = greedyTokens(ctx, prompt, 32);
            assertEquals(first, second);
            assertTrue(new HashSet<>(first).size() > 1, "random weights should not collapse to one token: " + first);
        }
    }

    @Test
    void shouldPickTheSameGreedyTokenAsLlamaCppsSampler() {
        try (LlamaModel model = LlamaModel.load(library, TestModels.tiny(QuantType.Q4_0), ModelParams.defaults());
                LlamaContext ctx = LlamaContext.create(model, ContextParams.single(256).withThreads(1));
                Batch batch = new Batch(64, 1);
                SamplerChain java = SamplerChain.create(model.vocab(), SamplingParams.greedy(), true);
                SamplerChain llama = SamplerChain.create(model.vocab(), SamplingParams.greedy(), false)) {
            int[] prompt = model.vocab().tokenize("argmax check", true, false);
            for (int i = 0; i < prompt.length; i++) {
                batch.add(prompt[i], i, 0, i == prompt.length - 1);
            }
            ctx.decode(batch);
            int idx = prompt.length - 1;
            for (int pos = prompt.length; pos < prompt.length + 40; pos++) {
                int expected = llama.sample(ctx, idx);
                assertEquals(expected, java.sample(ctx, idx), "step at position " + pos);
                batch.clear();
                idx = batch.add(expected, pos, 0, true);
                ctx.decode(batch);
            }
        }
    }

    @Test
    void shouldSampleDeterministicallyForAFixedSeed() {
        try (LlamaModel model = LlamaModel.load(library, TestModels.tiny(QuantType.F16), ModelParams.defaults());
                LlamaContext ctx = LlamaContext.create(model, ContextParams.single(256).withThreads(1));
                SingleStreamGenerator gen = new SingleStreamGenerator(ctx)) {
            SamplingParams p = SamplingParams.defaults(1234);
            StringBuilder a = new StringBuilder();
            StringBuilder b = new StringBuilder();
            gen.generate("seeded", 20, p, true, a::append);
            gen.generate("seeded", 20, p, true, b::append);
            assertEquals(a.toString(), b.toString());
        }
    }

    @Test
    void shouldRefuseAPromptThatDoesNotFitTheContext() {
        try (LlamaModel model = LlamaModel.load(library, TestModels.tiny(QuantType.Q8_0), ModelParams.defaults());
                LlamaContext ctx = LlamaContext.create(model, ContextParams.single(64).withThreads(1));
                SingleStreamGenerator gen = new SingleStreamGenerator(ctx)) {
            // llama.cpp rounds n_ctx up (to 256 here); the check uses the real size
            int[] prompt = new int[ctx.contextSize() - 5];
            java.util.Arrays.fill(prompt, 100);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> gen.generate(prompt, 10, SamplingParams.greedy(), true, s -> {}));
            assertTrue(e.getMessage().contains("exceeds the context"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseUnsafeNativeCallsInsteadOfCrashing() {
        try (LlamaModel model = LlamaModel.load(library, TestModels.tiny(QuantType.Q8_0), ModelParams.defaults());
                LlamaContext ctx = LlamaContext.create(model, ContextParams.single(64).withThreads(1).withBatch(8, 8));
                Batch batch = new Batch(16, 1);
                SamplerChain sampler = SamplerChain.create(model.vocab(), SamplingParams.greedy())) {
            assertThrows(IllegalArgumentException.class, () -> ctx.decode(batch), "empty batch");
            for (int i = 0; i < 9; i++) {
                batch.add(5, i, 0, false);
            }
            assertThrows(IllegalArgumentException.class, () -> ctx.decode(batch), "more than n_batch");
            batch.clear();
            batch.add(5, 0, 3, true);
            assertThrows(IllegalArgumentException.class, () -> ctx.decode(batch), "seq id out of range");
            batch.clear();
            batch.add(999_999, 0, 0, true);
            DecodeException bad = assertThrows(DecodeException.class, () -> ctx.decode(batch), "token out of vocab");
            assertTrue(bad.getMessage().contains("invalid token"), bad.getMessage());
            batch.clear();
            batch.add(5, 0, 0, false);
            ctx.decode(batch);
            assertThrows(IllegalArgumentException.class, () -> sampler.sample(ctx, 0), "row without logits");
            assertThrows(IllegalArgumentException.class, () -> model.vocab().text(-1));
            // and the context still works
            batch.clear();
            int idx = batch.add(6, 1, 0, true);
            ctx.decode(batch);
            int t = sampler.sample(ctx, idx);
            assertTrue(t >= 0 && t < model.vocab().size());
        }
    }

    @Test
    void shouldThrowOnUseAfterCloseAndTolerateDoubleClose() {
        LlamaModel model = LlamaModel.load(library, TestModels.tiny(QuantType.Q8_0), ModelParams.defaults());
        LlamaContext ctx = LlamaContext.create(model, ContextParams.single(64).withThreads(1));
        Batch batch = new Batch(4, 1);
        batch.add(1, 0, 0, true);
        ctx.close();
        ctx.close();
        assertThrows(IllegalStateException.class, () -> ctx.decode(batch));
        assertThrows(IllegalStateException.class, () -> ctx.sequenceMaxPosition(0));
        batch.close();
        batch.close();
        assertThrows(IllegalStateException.class, batch::clear);
        Vocab vocab = model.vocab();
        model.close();
        model.close();
        assertThrows(IllegalStateException.class, () -> vocab.tokenize("x", true, false));
        assertThrows(IllegalStateException.class, model::layerCount);
    }

    @Test
    void shouldRunOnTheCpuWhenGpuLayersAskedOfACpuBuild() {
        // The CI library is CPU-only: --gpu-layers -1 logs a warning and still loads and runs.
        ModelParams gpu = ModelParams.defaults().withGpuLayers(-1);
        try (LlamaModel model = LlamaModel.load(library, TestModels.tiny(QuantType.Q4_0), gpu);
                LlamaContext ctx = LlamaContext.create(model, ContextParams.single(64).withThreads(1))) {
            int[] prompt = model.vocab().tokenize("gpu?", true, false);
            assertEquals(8, greedyTokens(ctx, prompt, 8).size());
        }
    }

    @Test
    void shouldKeepKvCellsPerSequence() {
        try (LlamaModel model = LlamaModel.load(library, TestModels.tiny(QuantType.Q8_0), ModelParams.defaults());
                LlamaContext ctx = LlamaContext.create(model,
                        ContextParams.single(128).withThreads(1).withSeqMax(2));
                Batch batch = new Batch(32, 2)) {
            for (int i = 0; i < 10; i++) {
                batch.add(10 + i, i, 0, i == 9);
            }
            ctx.decode(batch);
            assertEquals(9, ctx.sequenceMaxPosition(0));
            assertEquals(-1, ctx.sequenceMaxPosition(1));
            ctx.copySequence(0, 1, 0, 5);
            assertEquals(4, ctx.sequenceMaxPosition(1));
            assertTrue(ctx.removeSequence(0, 5, -1));
            assertEquals(4, ctx.sequenceMaxPosition(0));
            long size = ctx.sequenceStateSize(1);
            assertTrue(size > 0);
            try (var arena = java.lang.foreign.Arena.ofConfined()) {
                var snapshot = arena.allocate(size);
                assertEquals(size, ctx.saveSequenceState(1, snapshot));
                ctx.removeSequence(1, -1, -1);
                assertEquals(-1, ctx.sequenceMaxPosition(1));
                assertEquals(size, ctx.restoreSequenceState(1, snapshot));
                assertEquals(4, ctx.sequenceMaxPosition(1));
            }
            ctx.clearMemory();
            assertEquals(-1, ctx.sequenceMaxPosition(0));
        }
    }
}
