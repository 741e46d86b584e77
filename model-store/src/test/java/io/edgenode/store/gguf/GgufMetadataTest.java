package io.edgenode.store.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class GgufMetadataTest {

    private final GgufMetadata metadata = GgufMetadata.of(entries());

    private static Map<String, GgufValue> entries() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("u8", GgufValue.u8(200));
        m.put("u32", GgufValue.u32(4096));
        m.put("u32.big", GgufValue.u32(0xFFFF_FFFFL));
        m.put("i64", GgufValue.i64(-5));
        m.put("u64.huge", GgufValue.u64(-1));
        m.put("f32", GgufValue.f32(0.25f));
        m.put("f64", GgufValue.f64(0.5));
        m.put("bool", GgufValue.bool(true));
        m.put("str", GgufValue.string("llama"));
        m.put("arr", GgufArray.ofStrings(List.of("a")));
        return m;
    }

    @Test
    void shouldReadIntegersOfAnyWidth() {
        assertEquals(OptionalInt.of(200), metadata.getInt("u8"));
        assertEquals(4096, metadata.requireInt("u32"));
        assertEquals(-5, metadata.requireLong("i64"));
        assertEquals(0xFFFF_FFFFL, metadata.requireLong("u32.big"));
    }

    @Test
    void shouldRefuseIntegersThatDoNotFit() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> metadata.getInt("u32.big"));
        assertTrue(e.getMessage().contains("u32.big"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> metadata.getLong("u64.huge"));
    }

    @Test
    void shouldReadOtherTypes() {
        assertEquals(0.25f, metadata.requireFloat("f32"));
        assertEquals(0.5f, metadata.requireFloat("f64"));
        assertTrue(metadata.requireBool("bool"));
        assertEquals("llama", metadata.requireString("str"));
        assertEquals(List.of("a"), metadata.requireArray("arr").strings());
    }

    @Test
    void shouldReturnEmptyForAbsentKeys() {
        assertTrue(metadata.getString("nope").isEmpty());
        assertTrue(metadata.getInt("nope").isEmpty());
        assertTrue(metadata.getLong("nope").isEmpty());
        assertTrue(metadata.getFloat("nope").isEmpty());
        assertTrue(metadata.getBool("nope").isEmpty());
        assertTrue(metadata.getArray("nope").isEmpty());
        assertTrue(metadata.offsetOf("str").isEmpty());
    }

    @Test
    void shouldNameMissingKeys() {
        NoSuchElementException e = assertThrows(NoSuchElementException.class, () -> metadata.requireString("llama.block_count"));
        assertEquals("missing metadata key 'llama.block_count'", e.getMessage());
    }

    @Test
    void shouldNameKeyAndTypesOnTypeMismatch() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> metadata.getString("u32"));
        assertEquals("metadata key 'u32' is UINT32, expected STRING", e.getMessage());
        assertThrows(IllegalStateException.class, () -> metadata.getInt("str"));
        assertThrows(IllegalStateException.class, () -> metadata.getFloat("u8"));
        assertThrows(IllegalStateException.class, () -> metadata.getBool("u8"));
        IllegalStateException arr = assertThrows(IllegalStateException.class, () -> metadata.getString("arr"));
        assertTrue(arr.getMessage().contains("ARRAY of STRING"), arr.getMessage());
    }

    @Test
    void shouldKeepOrderAndBeUnmodifiable() {
        assertEquals(List.copyOf(entries().keySet()), List.copyOf(metadata.asMap().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> metadata.asMap().put("x", GgufValue.u8(1)));
    }
}
