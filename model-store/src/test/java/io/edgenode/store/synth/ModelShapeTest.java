package io.edgenode.store.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelShapeTest {

    @Test
    void shouldDeriveHeadSizes() {
        ModelShape s = new ModelShape(2048, 22, 32, 4, 5632, 2048, 32000);
        assertEquals(64, s.headDim());
        assertEquals(256, s.nEmbdKv());
        assertEquals(1_100_048_384L, s.parameterCount()); // TinyLlama-1.1B
    }

    @Test
    void shouldRejectInconsistentShapes() {
        assertThrows(IllegalArgumentException.class, () -> new ModelShape(100, 1, 3, 1, 64, 128, 300)); // 100 % 3
        assertThrows(IllegalArgumentException.class, () -> new ModelShape(96, 1, 6, 4, 64, 128, 300)); // 6 % 4
        assertThrows(IllegalArgumentException.class, () -> new ModelShape(12, 1, 4, 4, 64, 128, 300)); // head dim 3
        assertThrows(IllegalArgumentException.class, () -> new ModelShape(64, 0, 4, 4, 64, 128, 300));
        assertThrows(IllegalArgumentException.class, () -> new ModelShape(64, 1, 4, 4, -1, 128, 300));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ModelShape(64, 1, 4, 4, 64, 128, 258));
        assertTrue(e.getMessage().contains("259"), e.getMessage());
    }

    @Test
    void shouldReplaceVocabSize() {
        ModelShape s = ModelPreset.TINY.shape().withVocabSize(1000);
        assertEquals(1000, s.vocabSize());
        assertEquals(ModelPreset.TINY.shape().nEmbd(), s.nEmbd());
    }
}
