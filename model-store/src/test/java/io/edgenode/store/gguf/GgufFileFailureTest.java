package io.edgenode.store.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileFailureTest {

    @TempDir
    Path dir;

    @Test
    void shouldReportMissingFile() {
        assertThrows(NoSuchFileException.class, () -> GgufFile.open(dir.resolve("absent.gguf")));
    }

    @Test
    void shouldReportDirectory() {
        FileSystemException e = assertThrows(FileSystemException.class, () -> GgufFile.open(dir));
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
    }

    @Test
    void shouldRejectEmptyFile() throws IOException {
        GgufFormatException e = expectFormatError(Files.write(dir.resolve("empty.gguf"), new byte[0]));
        assertEquals(0, e.offset());
    }

    @Test
    void shouldRejectWrongMagic() throws IOException {
        byte[] bytes = RawGguf.header(3, 0, 0).bytes();
        bytes[3] = 'L';
        GgufFormatException e = expectFormatError(Files.write(dir.resolve("ggul.gguf"), bytes));
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
        assertTrue(e.getMessage().contains("at file offset 0"), e.getMessage());
    }

    @Test
    void shouldRejectVersionsOtherThanTwoAndThree() throws IOException {
        for (long version : new long[] {0, 1, 4, 0x03000000L, 0xFFFF_FFFFL}) {
            GgufFormatException e = expectFormatError(RawGguf.header(version, 0, 0).writeTo(dir, "v" + version + ".gguf"));
            assertEquals(4, e.offset(), "version " + version);
            assertTrue(e.reason().contains("version"), e.reason());
        }
        assertTrue(expectFormatError(RawGguf.header(0x03000000L, 0, 0).writeTo(dir, "be.gguf")).reason().contains("big-endian"));
    }

    @Test
    void shouldAcceptEmptyVersion3File() throws IOException {
        try (GgufFile f = GgufFile.open(RawGguf.header(3, 0, 0).writeTo(dir, "ok.gguf"))) {
            assertEquals(0, f.tensors().size());
            assertEquals(0, f.metadata().size());
        }
    }

    @Test
    void shouldRejectArrayLongerThanFile() throws IOException {
        RawGguf g = RawGguf.header(3, 0, 1).key("tokens", GgufValueType.ARRAY).i32(GgufValueType.UINT8.id());
        long countAt = g.position();
        g.u64(1L << 40).zeros(64);
        GgufFormatException e = expectFormatError(g.writeTo(dir, "array.gguf"));
        assertEquals(countAt, e.offset());
        assertTrue(e.reason().contains("tokens"), e.reason());
    }

    @Test
    void shouldRejectArrayWhoseElementsCannotFit() throws IOException {
        // 1000 strings need at least 8000 bytes for their lengths alone; the file has far fewer.
        RawGguf g = RawGguf.header(3, 0, 1).key("tokens", GgufValueType.ARRAY).i32(GgufValueType.STRING.id());
        long countAt = g.position();
        g.u64(1000).string("a").string("b");
        assertEquals(countAt, expectFormatError(g.writeTo(dir, "strings.gguf")).offset());
    }

    @Test
    void shouldRejectNegativeArrayLength() throws IOException {
        RawGguf g = RawGguf.header(3, 0, 1).key("a", GgufValueType.ARRAY).i32(GgufValueType.INT32.id()).u64(-1);
        expectFormatError(g.writeTo(dir, "neg.gguf"));
    }

    @Test
    void shouldRejectStringLongerThanFile() throws IOException {
        RawGguf g = RawGguf.header(3, 0, 1).key("general.name", GgufValueType.STRING);
        long lengthAt = g.position();
        g.u64(1 << 20).zeros(10);
        GgufFormatException e = expectFormatError(g.writeTo(dir, "string.gguf"));
        assertEquals(lengthAt, e.offset());
    }

    @Test
    void shouldRejectStringAboveTheSizeCap() throws IOException {
        RawGguf g = RawGguf.header(3, 0, 1).key("general.name", GgufValueType.STRING).u64(Long.MAX_VALUE);
        assertTrue(expectFormatError(g.writeTo(dir, "huge.gguf")).reason().contains("limit"));
        RawGguf key = RawGguf.header(3, 0, 1).u64(-8);
        expectFormatError(key.writeTo(dir, "hugekey.gguf"));
    }

    @Test
    void shouldRejectAbsurdTensorCount() throws IOException {
        GgufFormatException e = expectFormatError(RawGguf.header(3, 1L << 50, 0).zeros(100).writeTo(dir, "tensors.gguf"));
        assertEquals(8, e.offset());
        expectFormatError(RawGguf.header(3, -1, 0).writeTo(dir, "negative.gguf"));
    }

    @Test
    void shouldRejectAbsurdKeyValueCount() throws IOException {
        GgufFormatException e = expectFormatError(RawGguf.header(3, 0, Long.MAX_VALUE).zeros(100).writeTo(dir, "kv.gguf"));
        assertEquals(16, e.offset());
    }

    @Test
    void shouldRejectUnknownValueType() throws IOException {
        RawGguf g = RawGguf.header(3, 0, 1).string("k");
        long typeAt = g.position();
        g.i32(13).zeros(8);
        assertEquals(typeAt, expectFormatError(g.writeTo(dir, "type.gguf")).offset());
    }

    @Test
    void shouldRejectEmptyAndDuplicateKeys() throws IOException {
        expectFormatError(RawGguf.header(3, 0, 1).kvU32("", 1).writeTo(dir, "empty-key.gguf"));
        RawGguf dup = RawGguf.header(3, 0, 2).kvU32("a", 1);
        long secondAt = dup.position();
        dup.kvU32("a", 2);
        assertEquals(secondAt, expectFormatError(dup.writeTo(dir, "dup.gguf")).offset());
    }

    @Test
    void shouldRejectArraysNestedTooDeep() throws IOException {
        RawGguf g = RawGguf.header(3, 0, 1).key("deep", GgufValueType.ARRAY);
        for (int i = 0; i < 20; i++) {
            g.i32(GgufValueType.ARRAY.id()).u64(1);
        }
        g.zeros(64);
        assertTrue(expectFormatError(g.writeTo(dir, "deep.gguf")).reason().contains("nest"));
    }

    @Test
    void shouldRejectBadAlignment() throws IOException {
        expectFormatError(RawGguf.header(3, 0, 1).kvU32("general.alignment", 48).writeTo(dir, "a48.gguf"));
        expectFormatError(RawGguf.header(3, 0, 1).kvU32("general.alignment", 0).writeTo(dir, "a0.gguf"));
        expectFormatError(RawGguf.header(3, 0, 1).key("general.alignment", GgufValueType.INT32).i32(32).writeTo(dir, "ai32.gguf"));
    }

    @Test
    void shouldRejectMoreThanFourDimensions() throws IOException {
        RawGguf g = RawGguf.header(3, 1, 0).string("t");
        long nDimsAt = g.position();
        g.u32(5).u64(1).u64(1).u64(1).u64(1).u64(1).i32(0).u64(0).padTo(32).zeros(32);
        GgufFormatException e = expectFormatError(g.writeTo(dir, "dims.gguf"));
        assertEquals(nDimsAt, e.offset());
        assertTrue(e.reason().contains("dimensions"), e.reason());
    }

    @Test
    void shouldRejectOverflowingShape() throws IOException {
        RawGguf g = RawGguf.header(3, 1, 0).tensorInfo("t", new long[] {1L << 40, 1L << 40}, 0, 0).padTo(32).zeros(32);
        assertTrue(expectFormatError(g.writeTo(dir, "overflow.gguf")).reason().contains("overflow"));
        RawGguf bytes = RawGguf.header(3, 1, 0).tensorInfo("t", new long[] {1L << 61}, 0, 0).padTo(32).zeros(32);
        assertTrue(expectFormatError(bytes.writeTo(dir, "bytes.gguf")).reason().contains("overflow"));
        expectFormatError(RawGguf.header(3, 1, 0).tensorInfo("t", new long[] {-4}, 0, 0).padTo(32).zeros(32).writeTo(dir, "negdim.gguf"));
    }

    @Test
    void shouldRejectUnknownTensorTypeAndPartialBlocks() throws IOException {
        expectFormatError(RawGguf.header(3, 1, 0).tensorInfo("t", new long[] {32}, 4, 0).padTo(32).zeros(64).writeTo(dir, "q4_2.gguf"));
        expectFormatError(RawGguf.header(3, 1, 0).tensorInfo("t", new long[] {33}, GgmlType.Q4_0.id(), 0).padTo(32).zeros(64).writeTo(dir, "partial.gguf"));
    }

    @Test
    void shouldRejectTensorOffsetOutsideFile() throws IOException {
        RawGguf g = RawGguf.header(3, 1, 0);
        long infoAt = g.position();
        g.tensorInfo("t", new long[] {32}, GgmlType.F32.id(), 1 << 20).padTo(32).zeros(128);
        GgufFormatException e = expectFormatError(g.writeTo(dir, "outside.gguf"));
        assertEquals(infoAt, e.offset());
        assertTrue(e.reason().contains("outside"), e.reason());
        // In bounds at its start but running past the end.
        expectFormatError(RawGguf.header(3, 1, 0).tensorInfo("t", new long[] {32}, 0, 96).padTo(32).zeros(128).writeTo(dir, "tail.gguf"));
        expectFormatError(RawGguf.header(3, 1, 0).tensorInfo("t", new long[] {32}, 0, -32).padTo(32).zeros(128).writeTo(dir, "huge.gguf"));
    }

    @Test
    void shouldRejectMisalignedTensorOffset() throws IOException {
        RawGguf g = RawGguf.header(3, 1, 0).tensorInfo("t", new long[] {8}, GgmlType.F32.id(), 4).padTo(32).zeros(64);
        assertTrue(expectFormatError(g.writeTo(dir, "misaligned.gguf")).reason().contains("alignment"));
    }

    @Test
    void shouldRejectOverlongAndDuplicateTensorNames() throws IOException {
        expectFormatError(RawGguf.header(3, 1, 0).tensorInfo("x".repeat(64), new long[] {8}, 0, 0).padTo(32).zeros(64).writeTo(dir, "name.gguf"));
        RawGguf dup = RawGguf.header(3, 2, 0).tensorInfo("t", new long[] {8}, 0, 0).tensorInfo("t", new long[] {8}, 0, 32).padTo(32).zeros(64);
        expectFormatError(dup.writeTo(dir, "dupname.gguf"));
    }

    @Test
    void shouldRejectDataSectionPastEndOfFile() throws IOException {
        // Tensor infos end at an unaligned offset and the file stops there: no room for the padding.
        RawGguf g = RawGguf.header(3, 1, 0).tensorInfo("t", new long[] {0}, 0, 0);
        expectFormatError(g.writeTo(dir, "nodata.gguf"));
    }

    @Test
    void shouldFailCleanlyOnEveryTruncation() throws IOException {
        Path full = dir.resolve("full.gguf");
        GgufRoundTripTest.sample()
                .put("nested", GgufArray.ofArrays(java.util.List.of(GgufArray.ofInt16(new short[] {1, 2}), GgufArray.ofStrings(java.util.List.of("q")))))
                .putBool("flag", true)
                .write(full);
        byte[] bytes = Files.readAllBytes(full);
        GgufFile reference = GgufFile.open(full);
        Path cut = dir.resolve("cut.gguf");
        int opened = 0;
        for (int len = 0; len < bytes.length; len++) {
            Files.write(cut, Arrays.copyOf(bytes, len));
            try (GgufFile f = GgufFile.open(cut)) {
                // Only a cut inside the final tensor's padding leaves a complete file.
                assertEquals(reference.tensors(), f.tensors(), "prefix " + len);
                assertEquals(reference.metadata().asMap(), f.metadata().asMap(), "prefix " + len);
                opened++;
            } catch (GgufFormatException e) {
                assertTrue(e.offset() >= 0 && e.offset() <= len, "prefix " + len + ": offset " + e.offset());
            }
        }
        long lastEnd = reference.dataOffset() + reference.tensors().getLast().offset() + reference.tensors().getLast().byteSize();
        assertEquals(bytes.length - lastEnd, opened);
        reference.close();
    }

    @Test
    void shouldFailCleanlyOnRandomBytes() throws IOException {
        SplittableRandom rnd = new SplittableRandom(7);
        Path p = dir.resolve("random.gguf");
        for (int i = 0; i < 300; i++) {
            byte[] junk = new byte[1 + rnd.nextInt(600)];
            for (int j = 0; j < junk.length; j++) {
                junk[j] = (byte) rnd.nextInt();
            }
            if (i % 2 == 0 && junk.length >= 8) {
                // Give half of them a valid magic and version so parsing goes deeper.
                System.arraycopy(new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0}, 0, junk, 0, 8);
            }
            Files.write(p, junk);
            openExpectingOnlyFormatErrors(p);
        }
    }

    @Test
    void shouldFailCleanlyOnCorruptedBytes() throws IOException {
        Path full = dir.resolve("full.gguf");
        GgufRoundTripTest.sample().write(full);
        byte[] original = Files.readAllBytes(full);
        SplittableRandom rnd = new SplittableRandom(11);
        Path p = dir.resolve("corrupt.gguf");
        for (int i = 0; i < 500; i++) {
            byte[] bytes = original.clone();
            for (int flips = 1 + rnd.nextInt(4); flips > 0; flips--) {
                int at = rnd.nextInt(Math.min(bytes.length, 400)); // the header, where the structure is
                bytes[at] = (byte) (rnd.nextBoolean() ? rnd.nextInt() : bytes[at] ^ (1 << rnd.nextInt(8)));
            }
            Files.write(p, bytes);
            openExpectingOnlyFormatErrors(p);
        }
    }

    private static void openExpectingOnlyFormatErrors(Path p) {
        try (GgufFile f = GgufFile.open(p)) {
            f.tensors().forEach(f::tensorData);
        } catch (GgufFormatException e) {
            // expected for most inputs
        } catch (Throwable t) {
            throw new AssertionError("expected success or GgufFormatException, got " + t, t);
        }
    }

    private static GgufFormatException expectFormatError(Path p) {
        IOException e = assertThrows(IOException.class, () -> GgufFile.open(p).close());
        GgufFormatException f = assertInstanceOf(GgufFormatException.class, e);
        assertEquals(p, f.file().orElseThrow());
        assertTrue(f.getMessage().startsWith(p.toString()), f.getMessage());
        return f;
    }
}
