package io.edgenode.store.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void shouldRoundTripEveryScalarType() throws IOException {
        GgufWriter w = new GgufWriter()
                .putU8("u8", 255)
                .putI8("i8", -128)
                .putU16("u16", 65535)
                .putI16("i16", -32768)
                .putU32("u32", 0xFFFF_FFFFL)
                .putI32("i32", Integer.MIN_VALUE)
                .putF32("f32", 1.5f)
                .putBool("bool", true)
                .putString("string", "héllo ▁ 世界")
                .putU64("u64", -1L)
                .putI64("i64", Long.MIN_VALUE)
                .putF64("f64", Math.PI);
        try (GgufFile f = writeAndOpen(w)) {
            GgufMetadata m = f.metadata();
            assertEquals(new GgufValue.UInt8(255), m.get("u8").orElseThrow());
            assertEquals(new GgufValue.Int8((byte) -128), m.get("i8").orElseThrow());
            assertEquals(new GgufValue.UInt16(65535), m.get("u16").orElseThrow());
            assertEquals(new GgufValue.Int16(Short.MIN_VALUE), m.get("i16").orElseThrow());
            assertEquals(new GgufValue.UInt32(0xFFFF_FFFFL), m.get("u32").orElseThrow());
            assertEquals(new GgufValue.Int32(Integer.MIN_VALUE), m.get("i32").orElseThrow());
            assertEquals(new GgufValue.Float32(1.5f), m.get("f32").orElseThrow());
            assertEquals(new GgufValue.Bool(true), m.get("bool").orElseThrow());
            assertEquals("héllo ▁ 世界", m.requireString("string"));
            assertEquals(new GgufValue.UInt64(-1L), m.get("u64").orElseThrow());
            assertEquals(new GgufValue.Int64(Long.MIN_VALUE), m.get("i64").orElseThrow());
            assertEquals(Math.PI, ((GgufValue.Float64) m.get("f64").orElseThrow()).value());
            for (GgufValueType t : GgufValueType.values()) {
                if (t != GgufValueType.ARRAY) {
                    String key = t == GgufValueType.STRING ? "string" : t.name().toLowerCase().replace("uint", "u").replace("int", "i").replace("float", "f");
                    assertEquals(t, m.get(key).orElseThrow().type(), key);
                }
            }
        }
    }

    @Test
    void shouldRoundTripArraysOfEveryElementType() throws IOException {
        List<GgufArray> arrays = List.of(
                GgufArray.ofUInt8(new byte[] {0, 1, (byte) 255}),
                GgufArray.ofInt8(new byte[] {-1, 2}),
                GgufArray.ofUInt16(new short[] {(short) 65535, 7}),
                GgufArray.ofInt16(new short[] {-300}),
                GgufArray.ofUInt32(new int[] {-1, 5}),
                GgufArray.ofInt32(new int[] {-5, 6, 7}),
                GgufArray.ofFloat32(new float[] {0.5f, -0f, Float.NaN}),
                GgufArray.ofBool(new boolean[] {true, false, true}),
                GgufArray.ofStrings(List.of("a", "", "ünï")),
                GgufArray.ofUInt64(new long[] {-1L}),
                GgufArray.ofInt64(new long[] {Long.MAX_VALUE, -2}),
                GgufArray.ofFloat64(new double[] {1e300}),
                GgufArray.ofInt32(new int[0]));
        GgufWriter w = new GgufWriter();
        for (int i = 0; i < arrays.size(); i++) {
            w.put("arr." + i, arrays.get(i));
        }
        try (GgufFile f = writeAndOpen(w)) {
            for (int i = 0; i < arrays.size(); i++) {
                assertEquals(arrays.get(i), f.metadata().requireArray("arr." + i), "arr." + i);
            }
            GgufArray u32 = f.metadata().requireArray("arr.4");
            assertArrayEquals(new long[] {0xFFFF_FFFFL, 5}, u32.toLongArray());
            assertEquals(new GgufValue.UInt32(0xFFFF_FFFFL), u32.get(0));
            assertEquals(List.of("a", "", "ünï"), f.metadata().requireArray("arr.8").strings());
        }
    }

    @Test
    void shouldRoundTripNestedArrays() throws IOException {
        GgufArray inner1 = GgufArray.ofStrings(List.of("x", "y"));
        GgufArray inner2 = GgufArray.ofInt32(new int[] {1, 2, 3});
        GgufArray deeper = GgufArray.ofArrays(List.of(GgufArray.ofArrays(List.of(GgufArray.ofFloat32(new float[] {9f})))));
        GgufArray nested = GgufArray.ofArrays(List.of(inner1, inner2, deeper, GgufArray.ofArrays(List.of())));
        GgufWriter w = new GgufWriter()
                .put("nested", nested)
                .putArray("boxed", GgufValueType.ARRAY, List.of(inner2, inner2));
        try (GgufFile f = writeAndOpen(w)) {
            GgufArray read = f.metadata().requireArray("nested");
            assertEquals(nested, read);
            assertEquals(GgufValueType.ARRAY, read.elementType());
            assertEquals(inner2, read.get(1));
            assertEquals(2, f.metadata().requireArray("boxed").size());
        }
    }

    @Test
    void shouldKeepMetadataInInsertionOrder() throws IOException {
        GgufWriter w = new GgufWriter();
        List<String> keys = List.of("zeta", "alpha", "general.name", "mid.key", "beta");
        for (String k : keys) {
            w.putString(k, k);
        }
        try (GgufFile f = writeAndOpen(w)) {
            assertEquals(keys, List.copyOf(f.metadata().asMap().keySet()));
            assertEquals(3, f.version());
        }
    }

    @Test
    void shouldWriteTensorsAlignedAndReadTheirBytesBack() throws IOException {
        byte[] a = bytes(3 * 5 * 4, 1);
        byte[] b = bytes(34 * 2, 7); // two Q8_0 blocks
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "test")
                .addTensor("a", GgmlType.F32, new long[] {3, 5}, TensorDataSource.of(a))
                .addTensor("b", GgmlType.Q8_0, new long[] {64}, TensorDataSource.of(b));
        try (GgufFile f = writeAndOpen(w)) {
            assertEquals(32, f.alignment());
            assertEquals(0, f.dataOffset() % 32);
            GgufTensorInfo ta = f.tensor("a").orElseThrow();
            GgufTensorInfo tb = f.tensor("b").orElseThrow();
            assertArrayEquals(new long[] {3, 5}, ta.dims());
            assertEquals(0, ta.offset());
            assertEquals(64, tb.offset()); // 60 bytes padded to 64
            assertEquals(15, ta.elementCount());
            assertArrayEquals(a, f.tensorData(ta).toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(b, f.tensorData(tb).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(f.dataOffset() + 64 + 96, f.fileSize()); // last tensor padded too
            assertEquals(60 + 68, f.tensorDataBytes());
            assertEquals(w.tensorInfos(), f.tensors());
        }
    }

    @Test
    void shouldHonourCustomAlignment() throws IOException {
        GgufWriter w = new GgufWriter()
                .putU32("general.alignment", 4096)
                .addTensor("a", GgmlType.F16, new long[] {10}, TensorDataSource.of(bytes(20, 3)))
                .addTensor("b", GgmlType.F16, new long[] {10}, TensorDataSource.of(bytes(20, 4)));
        try (GgufFile f = writeAndOpen(w)) {
            assertEquals(4096, f.alignment());
            assertEquals(4096, f.dataOffset());
            assertEquals(4096, f.tensor("b").orElseThrow().offset());
            assertArrayEquals(bytes(20, 4), f.tensorData(f.tensor("b").orElseThrow()).toArray(ValueLayout.JAVA_BYTE));
        }
        assertThrows(IllegalArgumentException.class, () -> new GgufWriter().putU32("general.alignment", 48));
        assertThrows(IllegalArgumentException.class, () -> new GgufWriter().putI32("general.alignment", 64));
    }

    @Test
    void shouldWriteIdenticalBytesForIdenticalInput() throws IOException {
        Path p1 = dir.resolve("one.gguf");
        Path p2 = dir.resolve("two.gguf");
        long size = sample().write(p1);
        sample().write(p2);
        assertEquals(size, Files.size(p1));
        assertArrayEquals(Files.readAllBytes(p1), Files.readAllBytes(p2));
    }

    @Test
    void shouldReadVersion2Files() throws IOException {
        Path p = dir.resolve("v3.gguf");
        sample().write(p);
        byte[] bytes = Files.readAllBytes(p);
        bytes[4] = 2; // version field, little-endian uint32 at offset 4
        Path v2 = Files.write(dir.resolve("v2.gguf"), bytes);
        try (GgufFile f = GgufFile.open(v2)) {
            assertEquals(2, f.version());
            assertEquals("sample", f.metadata().requireString("general.name"));
        }
    }

    @Test
    void shouldRejectSourcesThatWriteTheWrongNumberOfBytes() {
        GgufWriter tooFew = new GgufWriter().addTensor("t", GgmlType.F32, new long[] {4}, TensorDataSource.of(new byte[15]));
        IOException e1 = assertThrows(IOException.class, () -> tooFew.write(dir.resolve("few.gguf")));
        assertTrue(e1.getMessage().contains("15"), e1.getMessage());
        GgufWriter tooMany = new GgufWriter().addTensor("t", GgmlType.F32, new long[] {4}, sink -> sink.write(ByteBuffer.allocate(17)));
        assertThrows(IOException.class, () -> tooMany.write(dir.resolve("many.gguf")));
        assertFalse(Files.exists(dir.resolve("few.gguf")));
        assertFalse(Files.exists(dir.resolve("many.gguf")));
    }

    @Test
    void shouldLeaveNoTemporaryFileBehindOnFailure() throws IOException {
        GgufWriter failing = new GgufWriter().addTensor("t", GgmlType.F32, new long[] {4}, sink -> {
            throw new IOException("disk on fire");
        });
        Path out = dir.resolve("out.gguf");
        sample().write(out);
        byte[] before = Files.readAllBytes(out);
        assertThrows(IOException.class, () -> failing.write(out));
        assertArrayEquals(before, Files.readAllBytes(out), "the old file survives a failed write");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(out), files.toList());
        }
    }

    @Test
    void shouldReplaceAnExistingFile() throws IOException {
        Path out = dir.resolve("nested/dir/model.gguf");
        new GgufWriter().putString("general.name", "first").write(out);
        new GgufWriter().putString("general.name", "second").write(out);
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals("second", f.metadata().requireString("general.name"));
        }
    }

    @Test
    void shouldRejectInvalidWriterInput() {
        GgufWriter w = new GgufWriter().putString("k", "v").addTensor("t", GgmlType.F32, new long[] {1}, TensorDataSource.of(new byte[4]));
        assertThrows(IllegalArgumentException.class, () -> w.putString("k", "again"));
        assertThrows(IllegalArgumentException.class, () -> w.putString("", "empty key"));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", GgmlType.F32, new long[] {1}, TensorDataSource.of(new byte[4])));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("q", GgmlType.Q4_0, new long[] {33}, TensorDataSource.of(new byte[0])));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("five", GgmlType.F32, new long[] {1, 1, 1, 1, 1}, TensorDataSource.of(new byte[4])));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("x".repeat(64), GgmlType.F32, new long[] {1}, TensorDataSource.of(new byte[4])));
        assertThrows(IllegalArgumentException.class, () -> w.putU8("u8", 256));
        assertThrows(IllegalArgumentException.class, () -> w.putI8("i8", 128));
        assertThrows(IllegalArgumentException.class, () -> w.putU32("u32", -1));
        assertThrows(IllegalArgumentException.class,
                () -> w.putArray("mixed", GgufValueType.INT32, List.of(GgufValue.i32(1), GgufValue.u32(2))));
    }

    @Test
    void shouldRefuseTensorInfoFromAnotherFile() throws IOException {
        try (GgufFile f = writeAndOpen(sample())) {
            GgufTensorInfo foreign = new GgufTensorInfo("w", new long[] {8}, GgmlType.F32, 64);
            assertThrows(IllegalArgumentException.class, () -> f.tensorData(foreign));
        }
    }

    @Test
    void shouldInvalidateTensorDataOnClose() throws IOException {
        GgufFile f = writeAndOpen(sample());
        MemorySegment data = f.tensorData(f.tensors().getFirst());
        f.close();
        f.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> data.get(ValueLayout.JAVA_BYTE, 0));
    }

    static GgufWriter sample() {
        return new GgufWriter()
                .putString("general.architecture", "sample")
                .putString("general.name", "sample")
                .put("list", GgufArray.ofStrings(List.of("a", "bb", "ccc")))
                .putF32("eps", 1e-5f)
                .addTensor("w", GgmlType.F32, new long[] {8}, TensorDataSource.of(bytes(32, 9)))
                .addTensor("v", GgmlType.F16, new long[] {4, 2}, TensorDataSource.of(bytes(16, 11)));
    }

    private GgufFile writeAndOpen(GgufWriter w) throws IOException {
        Path p = Files.createTempFile(dir, "rt", ".gguf");
        w.write(p);
        return GgufFile.open(p);
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i * 7);
        }
        return b;
    }
}
