package io.edgenode.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.LlamaModel;
import io.edgenode.core.llama.ModelParams;
import io.edgenode.core.llama.QuantType;
import io.edgenode.core.llama.SamplerChain;
import io.edgenode.core.llama.SamplingParams;
import io.edgenode.core.llama.TestModels;
import io.edgenode.core.llama.TokenDataArray;
import io.edgenode.core.llama.Vocab;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The resample's shortcut (the top of the row first) draws exactly what masking the whole row
 * draws: two samplers on the same random logits rows, one with the shortcut and one without,
 * the same chains and seeds, pick the same token at every step, greedy and with top-k.
 */
class ConstrainedSamplerTopOfRowTest {
    static final String GRAMMAR = "root ::= \"{\" \"\\\"a\\\"\" \":\" [a-z ]{1,20} \"}\"";

    static Stream<String> models() {
        return TestModels.sharedTinyRandom().isPresent() ? Stream.of("synthetic", "llama2") : Stream.of("synthetic");
    }

    @ParameterizedTest
    @MethodSource("models")
    void shortcutShouldDrawWhatTheWholeRowDraws(String which) {
        Path file = which.equals("llama2") ? TestModels.sharedTinyRandom().orElseThrow() : TestModels.tiny(QuantType.F32);
        try (LlamaModel model = LlamaModel.load(LlamaLibrary.load(), file, ModelParams.defaults());
                Arena arena = Arena.ofConfined()) {
            Vocab vocab = model.vocab();
            SpecialTokens specials = SpecialTokens.of(vocab);
            MemorySegment logits = arena.allocate((long) Float.BYTES * vocab.size());
            long shortcuts = 0;
            long resamples = 0;
            List<SamplingParams> samplings = List.of(SamplingParams.greedy(),
                    new SamplingParams(1.0f, 5, 1f, 0f, 1f, 0f, 0f, 64, 0),
                    new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1f, 0f, 0f, 64, 0));
            for (SamplingParams sampling : samplings) {
                for (int run = 0; run < 15; run++) {
                    SamplingParams p = sampling.withSeed(run + 1);
                    try (ConstrainedSampler with = ConstrainedSampler.open(vocab, Constraint.of(GRAMMAR), false, specials);
                            ConstrainedSampler without = ConstrainedSampler.open(vocab, Constraint.of(GRAMMAR), false,
                                    specials);
                            SamplerChain chainA = SamplerChain.create(vocab, p, Map.of());
                            SamplerChain chainB = SamplerChain.create(vocab, p, Map.of());
                            TokenDataArray candidates = new TokenDataArray(vocab.size())) {
                        without.topOfRowFirst = false;
                        Random random = new Random(run * 31L + sampling.topK());
                        for (int step = 0; step < 40; step++) {
                            for (int t = 0; t < vocab.size(); t++) {
                                logits.setAtIndex(ValueLayout.JAVA_FLOAT, t, (float) (random.nextGaussian() * 3));
                            }
                            int a = with.sample(chainA, logits, candidates);
                            int b = without.sample(chainB, logits, candidates);
                            assertEquals(b, a, which + " " + p + " run " + run + " step " + step);
                            if (a == ConstrainedSampler.DEAD_END || vocab.isEndOfGeneration(a)) {
                                break;
                            }
                        }
                        shortcuts += with.shortcuts;
                        resamples += with.resamples;
                        assertEquals(0, without.shortcuts);
                    }
                }
            }
            assertTrue(shortcuts > 0 && shortcuts < resamples, "both paths taken: " + shortcuts + " of " + resamples);
        }
    }
}
