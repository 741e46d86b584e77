package io.edgenode.store.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GgmlTypeTest {

    /** id, block size, type size per ggml type, as compiled from the pinned llama.cpp (sizeof(block_*)). */
    private static final int[][] TRAITS = {
        {0, 1, 4}, {1, 1, 2}, {2, 32, 18}, {3, 32, 20}, {6, 32, 22}, {7, 32, 24}, {8, 32, 34}, {9, 32, 36},
        {10, 256, 84}, {11, 256, 110}, {12, 256, 144}, {13, 256, 176}, {14, 256, 210}, {15, 256, 292},
        {16, 256, 66}, {17, 256, 74}, {18, 256, 98}, {19, 256, 50}, {20, 32, 18}, {21, 256, 110},
        {22, 256, 82}, {23, 256, 136}, {24, 1, 1}, {25, 1, 2}, {26, 1, 4}, {27, 1, 8}, {28, 1, 8},
        {29, 256, 56}, {30, 1, 2}, {34, 256, 54}, {35, 256, 66}, {39, 32, 17}, {40, 64, 36},
        {41, 128, 18}, {42, 64, 18},
    };

    @Test
    void shouldMatchGgmlTypeTraitsForEveryType() {
        assertEquals(TRAITS.length, GgmlType.values().length);
        for (int[] t : TRAITS) {
            GgmlType type = GgmlType.byId(t[0]).orElseThrow();
            assertEquals(t[1], type.blockSize(), type + " block size");
            assertEquals(t[2], type.typeSize(), type + " type size");
        }
    }

    @Test
    void shouldComputeRowBytes() {
        assertEquals(4096, GgmlType.F32.rowBytes(1024));
        assertEquals(2048, GgmlType.F16.rowBytes(1024));
        assertEquals(34 * 32, GgmlType.Q8_0.rowBytes(1024));
        assertEquals(144 * 4, GgmlType.Q4_K.rowBytes(1024));
        assertEquals(0, GgmlType.Q4_K.rowBytes(0));
    }

    @Test
    void shouldRejectRowsThatAreNotWholeBlocks() {
        assertThrows(IllegalArgumentException.class, () -> GgmlType.Q4_0.rowBytes(33));
        assertThrows(IllegalArgumentException.class, () -> GgmlType.Q6_K.rowBytes(128));
        assertThrows(IllegalArgumentException.class, () -> GgmlType.F32.rowBytes(-1));
    }

    @Test
    void shouldNotKnowRetiredOrOutOfRangeIds() {
        for (int id : new int[] {4, 5, 31, 32, 33, 36, 37, 38, 43, -1, 1000}) {
            assertTrue(GgmlType.byId(id).isEmpty(), "id " + id);
        }
    }

    @Test
    void shouldCallOnlyBlockTypesQuantized() {
        assertTrue(GgmlType.Q4_K.isQuantized());
        assertFalse(GgmlType.BF16.isQuantized());
        assertEquals("q4_K", GgmlType.Q4_K.ggmlName());
    }

    @Test
    void shouldMapValueTypeIdsBothWays() {
        for (GgufValueType t : GgufValueType.values()) {
            assertEquals(t, GgufValueType.byId(t.id()).orElseThrow());
        }
        assertTrue(GgufValueType.byId(13).isEmpty());
        assertEquals(12, GgufValueType.FLOAT64.id());
        assertEquals(8, GgufValueType.STRING.minEncodedSize());
        assertEquals(12, GgufValueType.ARRAY.minEncodedSize());
    }
}
