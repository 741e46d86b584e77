package io.edgenode.store.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Confined to the calling thread, single use: parses the header, metadata and tensor infos of a GGUF
 * file held in one memory segment.
 *
 * <p>The methods follow the layout in gguf.h; each read names the spec field it reads, and that name
 * appears in the error when the field is bad. Invariants kept throughout: every read is preceded by a
 * check against the bytes remaining, and nothing is allocated from a length field until that length
 * has been checked against what the rest of the file could possibly hold, so a lying length costs a
 * comparison, never memory. (The segment bounds-checks too; that is the last line of defence, not the
 * first.)
 */
final class GgufReader {

    /** The bytes "GGUF" read as a little-endian uint32. */
    private static final int MAGIC = 0x46554747;

    /**
     * Cap on one string value. Real files stay far below (the longest strings are chat templates of a
     * few KiB); tokenizer tables are arrays of short strings, which this cap does not limit as a whole.
     */
    static final long MAX_STRING_BYTES = 16L << 20;

    /** Metadata keys are at most 65535 bytes (GGUF spec). */
    static final long MAX_KEY_BYTES = 0xFFFF;

    /**
     * Cap on the elements of one array, like a JSON parser's stream-read constraints: 2^24 is about 60
     * times the largest real tokenizer table (256k tokens, 500k merges) and keeps the biggest possible
     * primitive array at 128 MiB, whatever a corrupt count in a multi-GB file claims.
     */
    static final long MAX_ARRAY_ELEMENTS = 1L << 24;

    /** Nested arrays are legal but rare; bounding depth keeps a hostile file from exhausting the stack. */
    static final int MAX_ARRAY_DEPTH = 8;

    /** Largest accepted general.alignment; real files use 32 (sometimes 64 or 4096). */
    static final long MAX_ALIGNMENT = 1L << 30;

    /** Smallest possible tensor info: name length (8) + n_dims (4) + type (4) + offset (8). */
    private static final long MIN_TENSOR_INFO_BYTES = 24;

    /** Smallest possible key-value pair: key length (8) + 1 key byte + value type (4) + 1 value byte. */
    private static final long MIN_KV_BYTES = 14;

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What the header describes. Tensor offsets are already validated against the file. */
    record Layout(int version, GgufMetadata metadata, List<GgufTensorInfo> tensors, int alignment, long dataOffset) {}

    private final MemorySegment data;
    private final long size;
    private final Path file;
    private long pos;

    GgufReader(MemorySegment data, Path file) {
        this.data = data;
        this.size = data.byteSize();
        this.file = file;
    }

    Layout read() throws GgufFormatException {
        try {
            return readLayout();
        } catch (IndexOutOfBoundsException | ArithmeticException | IllegalArgumentException e) {
            // Unreachable if the checks below are complete; kept so that a gap is a clean format error.
            throw fail("malformed file (" + e.getMessage() + ")", pos, e);
        }
    }

    private Layout readLayout() throws GgufFormatException {
        if (size == 0) {
            throw fail("empty file, not GGUF", 0);
        }
        require(4, "magic");
        if (data.get(I32, 0) != MAGIC) {
            throw fail("not a GGUF file: magic is " + describeMagic() + ", expected \"GGUF\"", 0);
        }
        pos = 4;

        long versionAt = pos;
        long version = u32("version");
        if (version == 1) {
            throw fail("unsupported GGUF version 1 (pre-2023 format; supported versions are 2 and 3)", versionAt);
        }
        if (version != 2 && version != 3) {
            String hint = version != 0 && (version & 0xFFFF) == 0 ? " (a big-endian file? only little-endian is supported)" : "";
            throw fail("unsupported GGUF version " + version + hint + "; supported versions are 2 and 3", versionAt);
        }

        long tensorCountAt = pos;
        long tensorCount = i64("tensor_count");
        long kvCountAt = pos;
        long kvCount = i64("metadata_kv_count");
        // Counts are plausible only if the rest of the file could hold that many minimal entries.
        if (tensorCount < 0 || tensorCount > remaining() / MIN_TENSOR_INFO_BYTES) {
            throw fail("tensor_count " + Long.toUnsignedString(tensorCount) + " is impossible for the "
                    + remaining() + " bytes left in the file", tensorCountAt);
        }
        if (kvCount < 0 || kvCount > remaining() / MIN_KV_BYTES) {
            throw fail("metadata_kv_count " + Long.toUnsignedString(kvCount) + " is impossible for the "
                    + remaining() + " bytes left in the file", kvCountAt);
        }

        Map<String, GgufValue> values = new LinkedHashMap<>();
        Map<String, Long> keyOffsets = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long kvAt = pos;
            String key = string("metadata key", MAX_KEY_BYTES);
            if (key.isEmpty()) {
                throw fail("metadata key " + i + " is empty", kvAt);
            }
            if (values.containsKey(key)) {
                throw fail("duplicate metadata key '" + key + "'", kvAt);
            }
            GgufValueType type = valueType("value type of '" + key + "'");
            values.put(key, value(type, key, 0));
            keyOffsets.put(key, kvAt);
        }
        GgufMetadata metadata = new GgufMetadata(values, keyOffsets);
        int alignment = alignment(metadata);

        // Lists grow as entries are actually parsed: a corrupt but "plausible" count in a large file
        // must not reserve memory up front.
        List<GgufTensorInfo> tensors = new ArrayList<>();
        List<Long> infoOffsets = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            long at = pos;
            GgufTensorInfo info = tensorInfo();
            if (!names.add(info.name())) {
                throw fail("duplicate tensor name '" + info.name() + "'", at);
            }
            tensors.add(info);
            infoOffsets.add(at);
        }

        // The data section starts at the next multiple of the alignment after the tensor infos.
        long dataOffset = alignUp(pos, alignment);
        if (tensorCount > 0) {
            if (dataOffset > size) {
                throw fail("data section would start at " + dataOffset + ", past the end of the file (" + size + " bytes)", pos);
            }
            long dataBytes = size - dataOffset;
            for (int i = 0; i < tensors.size(); i++) {
                checkTensorData(tensors.get(i), infoOffsets.get(i), alignment, dataOffset, dataBytes);
            }
        }
        return new Layout((int) version, metadata, List.copyOf(tensors), alignment, dataOffset);
    }

    private int alignment(GgufMetadata metadata) throws GgufFormatException {
        GgufValue v = metadata.asMap().get("general.alignment");
        if (v == null) {
            return 32;
        }
        long at = metadata.offsetOf("general.alignment").orElse(-1);
        if (!(v instanceof GgufValue.UInt32(long a))) {
            throw fail("general.alignment must be UINT32, found " + v.type(), at);
        }
        if (a == 0 || (a & (a - 1)) != 0 || a > MAX_ALIGNMENT) {
            throw fail("general.alignment " + a + " is not a power of two in [1, 2^30]", at);
        }
        return (int) a;
    }

    private GgufTensorInfo tensorInfo() throws GgufFormatException {
        String name = string("tensor name", GgufTensorInfo.MAX_NAME_BYTES);
        long nDimsAt = pos;
        long nDims = u32("n_dimensions of '" + name + "'");
        if (nDims > GgufTensorInfo.MAX_DIMS) {
            throw fail("tensor '" + name + "' has " + nDims + " dimensions, at most " + GgufTensorInfo.MAX_DIMS + " (GGML_MAX_DIMS) allowed", nDimsAt);
        }
        long[] dims = new long[(int) nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            long dimAt = pos;
            dims[d] = i64("dimensions[" + d + "] of '" + name + "'");
            if (dims[d] < 0) {
                throw fail("tensor '" + name + "' dimension " + d + " is negative: " + dims[d], dimAt);
            }
            if (dims[d] != 0 && elements > Long.MAX_VALUE / dims[d]) {
                throw fail("tensor '" + name + "' element count overflows 64 bits: " + Arrays.toString(Arrays.copyOf(dims, d + 1)), dimAt);
            }
            elements *= dims[d];
        }
        long typeAt = pos;
        int typeId = i32("type of '" + name + "'");
        GgmlType type = GgmlType.byId(typeId)
                .orElseThrow(() -> fail("tensor '" + name + "' has unknown ggml type " + typeId, typeAt));
        long ne0 = nDims == 0 ? 1 : dims[0];
        if (ne0 % type.blockSize() != 0) {
            throw fail("tensor '" + name + "' of type " + type + " has rows of " + ne0
                    + " elements, not a whole number of " + type.blockSize() + "-element blocks", typeAt);
        }
        if (ne0 > 0 && (ne0 / type.blockSize()) > Long.MAX_VALUE / type.typeSize() / Math.max(1, elements / ne0)) {
            throw fail("tensor '" + name + "' byte size overflows 64 bits", typeAt);
        }
        long offsetAt = pos;
        long offset = i64("offset of '" + name + "'");
        if (offset < 0) {
            throw fail("tensor '" + name + "' data offset " + Long.toUnsignedString(offset) + " is beyond any file", offsetAt);
        }
        return new GgufTensorInfo(name, dims, type, offset);
    }

    private void checkTensorData(GgufTensorInfo t, long infoAt, int alignment, long dataOffset, long dataBytes)
            throws GgufFormatException {
        if (t.offset() % alignment != 0) {
            throw fail("tensor '" + t.name() + "' data offset " + t.offset() + " is not a multiple of the alignment " + alignment, infoAt);
        }
        long bytes = t.byteSize();
        if (t.offset() > dataBytes || bytes > dataBytes - t.offset()) {
            throw fail("tensor '" + t.name() + "' data [" + t.offset() + ", +" + bytes + ") lies outside the "
                    + dataBytes + "-byte data section at file offset " + dataOffset, infoAt);
        }
    }

    private GgufValue value(GgufValueType type, String key, int depth) throws GgufFormatException {
        return switch (type) {
            case UINT8 -> new GgufValue.UInt8(u8(key) & 0xFF);
            case INT8 -> new GgufValue.Int8(u8(key));
            case UINT16 -> new GgufValue.UInt16(i16(key) & 0xFFFF);
            case INT16 -> new GgufValue.Int16(i16(key));
            case UINT32 -> new GgufValue.UInt32(u32(key));
            case INT32 -> new GgufValue.Int32(i32(key));
            case FLOAT32 -> new GgufValue.Float32(Float.intBitsToFloat(i32(key)));
            case BOOL -> new GgufValue.Bool(u8(key) != 0);
            case STRING -> new GgufValue.Str(string("string value of '" + key + "'", MAX_STRING_BYTES));
            case ARRAY -> array(key, depth);
            case UINT64 -> new GgufValue.UInt64(i64(key));
            case INT64 -> new GgufValue.Int64(i64(key));
            case FLOAT64 -> new GgufValue.Float64(Double.longBitsToDouble(i64(key)));
        };
    }

    private GgufArray array(String key, int depth) throws GgufFormatException {
        long at = pos;
        if (depth >= MAX_ARRAY_DEPTH) {
            throw fail("arrays of '" + key + "' nest deeper than " + MAX_ARRAY_DEPTH + " levels", at);
        }
        GgufValueType elementType = valueType("array element type of '" + key + "'");
        long countAt = pos;
        long n = i64("array length of '" + key + "'");
        if (n < 0 || n > MAX_ARRAY_ELEMENTS) {
            throw fail("array '" + key + "' claims " + Long.toUnsignedString(n) + " elements, more than the limit of "
                    + MAX_ARRAY_ELEMENTS, countAt);
        }
        // n <= 2^30 and minEncodedSize <= 12, so the product cannot overflow.
        long minBytes = n * elementType.minEncodedSize();
        if (minBytes > remaining()) {
            throw fail("array '" + key + "' claims " + n + " " + elementType + " elements, needing at least "
                    + minBytes + " bytes, but only " + remaining() + " remain", countAt);
        }
        int count = (int) n;
        Object storage = switch (elementType) {
            case UINT8, INT8 -> {
                byte[] a = new byte[count];
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, pos, a, 0, count);
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[count];
                for (int i = 0; i < count; i++) {
                    a[i] = data.get(ValueLayout.JAVA_BYTE, pos + i) != 0;
                }
                yield a;
            }
            case UINT16, INT16 -> {
                short[] a = new short[count];
                MemorySegment.copy(data, I16, pos, a, 0, count);
                yield a;
            }
            case UINT32, INT32 -> {
                int[] a = new int[count];
                MemorySegment.copy(data, I32, pos, a, 0, count);
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[count];
                MemorySegment.copy(data, F32, pos, a, 0, count);
                yield a;
            }
            case UINT64, INT64 -> {
                long[] a = new long[count];
                MemorySegment.copy(data, I64, pos, a, 0, count);
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[count];
                MemorySegment.copy(data, F64, pos, a, 0, count);
                yield a;
            }
            case STRING -> {
                String what = "string element of '" + key + "'"; // built once, not per element
                String[] a = new String[count];
                for (int i = 0; i < count; i++) {
                    a[i] = string(what, MAX_STRING_BYTES);
                }
                yield a;
            }
            case ARRAY -> {
                GgufArray[] a = new GgufArray[count];
                for (int i = 0; i < count; i++) {
                    a[i] = array(key, depth + 1);
                }
                yield a;
            }
        };
        if (elementType.fixedSize() > 0) {
            pos += minBytes; // fixed-size elements were bulk-copied without moving the cursor
        }
        return GgufArray.wrap(elementType, storage, count);
    }

    private GgufValueType valueType(String what) throws GgufFormatException {
        long at = pos;
        int id = i32(what);
        return GgufValueType.byId(id).orElseThrow(() -> fail(what + ": unknown GGUF value type " + id, at));
    }

    private String string(String what, long maxBytes) throws GgufFormatException {
        long at = pos;
        if (remaining() < 8) {
            throw fail("truncated: length of " + what + " needs 8 bytes but only " + remaining() + " remain", pos);
        }
        long len = data.get(I64, pos);
        pos += 8;
        if (len < 0 || len > maxBytes) {
            throw fail(what + " length " + Long.toUnsignedString(len) + " exceeds the limit of " + maxBytes + " bytes", at);
        }
        if (len > remaining()) {
            throw fail(what + " length " + len + " exceeds the " + remaining() + " bytes left in the file", at);
        }
        byte[] bytes = new byte[(int) len];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, pos, bytes, 0, bytes.length);
        pos += len;
        // Invalid UTF-8 decodes to U+FFFD; GGUF requires UTF-8 and no known converter writes anything else.
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private byte u8(String what) throws GgufFormatException {
        require(1, what);
        byte v = data.get(ValueLayout.JAVA_BYTE, pos);
        pos += 1;
        return v;
    }

    private short i16(String what) throws GgufFormatException {
        require(2, what);
        short v = data.get(I16, pos);
        pos += 2;
        return v;
    }

    private int i32(String what) throws GgufFormatException {
        require(4, what);
        int v = data.get(I32, pos);
        pos += 4;
        return v;
    }

    private long u32(String what) throws GgufFormatException {
        return Integer.toUnsignedLong(i32(what));
    }

    /** Reads 8 bytes; uint64 fields come back negative when 2^63 or more, and callers reject that. */
    private long i64(String what) throws GgufFormatException {
        require(8, what);
        long v = data.get(I64, pos);
        pos += 8;
        return v;
    }

    private long remaining() {
        return size - pos;
    }

    private void require(long n, String what) throws GgufFormatException {
        if (n > remaining()) {
            throw fail("truncated: " + what + " needs " + n + " bytes but only " + remaining() + " remain", pos);
        }
    }

    private static long alignUp(long x, long alignment) {
        return (x + alignment - 1) & -alignment;
    }

    private String describeMagic() {
        int n = (int) Math.min(4, size);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(String.format("%02x", data.get(ValueLayout.JAVA_BYTE, i)));
        }
        return "0x" + sb;
    }

    private GgufFormatException fail(String reason, long offset) {
        return new GgufFormatException(file, reason, offset);
    }

    private GgufFormatException fail(String reason, long offset, Throwable cause) {
        return new GgufFormatException(file, reason, offset, cause);
    }
}
