package io.edgenode.store.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class MemoryEstimateTest {

    private static GgufModelInfo llama(int layers, int nEmbd, int heads, int kvHeads, long weights) {
        return new GgufModelInfo("llama", Optional.empty(), 4096, layers, nEmbd, 4 * nEmbd, heads, kvHeads,
                nEmbd / heads, nEmbd / heads, 32000, Optional.empty(), Optional.empty(), OptionalInt.empty(),
                Map.of(), 0, weights);
    }

    @Test
    void shouldSizeKvCacheAsTwoTimesLayersContextKvHeadsHeadDimBytes() {
        // Llama 3 8B: 32 layers, 8 KV heads of 128 -> 128 KiB per position in F16.
        MemoryEstimate e = MemoryEstimate.of(llama(32, 4096, 32, 8, 5_000_000_000L), 8192);
        assertEquals(2L * 32 * 8192 * 8 * 128 * 2, e.kvCacheBytes());
        assertEquals(1L << 30, e.kvCacheBytes());
        assertEquals(5_000_000_000L, e.weightsBytes());
        assertEquals(5_000_000_000L + (1L << 30), e.totalBytes());
    }

    @Test
    void shouldScaleWithKvTypeSize() {
        GgufModelInfo info = llama(22, 2048, 32, 4, 0);
        assertEquals(2L * 22 * 2048 * 4 * 64 * 4, MemoryEstimate.of(info, 2048, 4).kvCacheBytes());
        assertEquals(MemoryEstimate.of(info, 2048, 2).kvCacheBytes(), MemoryEstimate.of(info, 2048, GgmlType.F16).kvCacheBytes());
        assertEquals(2L * 22 * 2048 * 4 * 64 * 34 / 32, MemoryEstimate.of(info, 2048, GgmlType.Q8_0).kvCacheBytes());
    }

    @Test
    void shouldRefuseModelsWithoutShapeOrBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> MemoryEstimate.of(llama(0, 2048, 32, 4, 0), 2048));
        assertThrows(IllegalArgumentException.class, () -> MemoryEstimate.of(llama(2, 2048, 32, 4, 0), 0));
        assertThrows(IllegalArgumentException.class, () -> MemoryEstimate.of(llama(2, 2048, 32, 4, 0), 1, 0));
    }
}
