package io.edgenode.store.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelPresetTest {

    @Test
    void shouldFindPresetsByName() {
        assertEquals(ModelPreset.TINY, ModelPreset.fromName("tiny"));
        assertEquals(ModelPreset.BENCH_200M, ModelPreset.fromName("bench-200m"));
        assertEquals(ModelPreset.BENCH_1B, ModelPreset.fromName("BENCH-1B"));
        assertTrue(ModelPreset.byName("huge").isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelPreset.fromName("huge"));
        assertTrue(e.getMessage().contains("tiny, bench-200m, bench-1b"), e.getMessage());
    }

    @Test
    void shouldHaveTheAgreedShapes() {
        assertEquals(new ModelShape(256, 2, 4, 2, 256, 4096, 384), ModelPreset.TINY.shape());
        assertEquals(new ModelShape(1024, 16, 16, 4, 2816, 4096, 32000), ModelPreset.BENCH_200M.shape());
        assertEquals(new ModelShape(2048, 22, 32, 4, 5632, 2048, 32000), ModelPreset.BENCH_1B.shape());
        for (ModelPreset p : ModelPreset.values()) {
            // Multiples of 256 so that K-quants (256-element blocks) apply to every 2-D weight.
            assertEquals(0, p.shape().nEmbd() % 256, p.id());
            assertEquals(0, p.shape().nFf() % 256, p.id());
        }
    }
}
