package io.edgenode.store.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Confined to one thread: writes a GGUF v3 file, metadata in insertion order, tensor infos in
 * insertion order, then each tensor's data streamed from its {@link TensorDataSource}.
 *
 * <p>The layout is the one llama.cpp writes and requires: the header is zero-padded to the alignment,
 * tensor data follows back to back, each tensor padded to the alignment, so offsets are the running
 * sum of padded sizes. The output is a pure function of what was put and added, so equal inputs give
 * byte-identical files. {@link #write(Path)} is atomic: the file appears complete or not at all.
 */
public final class GgufWriter {

    public static final int DEFAULT_ALIGNMENT = 32;

    private static final String ALIGNMENT_KEY = "general.alignment";
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(4096).asReadOnlyBuffer();

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new LinkedHashSet<>();

    private record PendingTensor(String name, GgmlType type, long[] dims, TensorDataSource source) {}

    /**
     * Adds one metadata entry. {@code general.alignment}, when put, must be a power-of-two UINT32 and
     * sets the alignment of this file.
     *
     * @throws IllegalArgumentException for an empty or duplicate key, or a bad alignment
     */
    public GgufWriter put(String key, GgufValue value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("metadata key must not be empty");
        }
        if (metadata.containsKey(key)) {
            throw new IllegalArgumentException("duplicate metadata key '" + key + "'");
        }
        if (key.equals(ALIGNMENT_KEY)) {
            checkAlignment(value);
        }
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putU8(String key, int value) {
        return put(key, GgufValue.u8(value));
    }

    public GgufWriter putI8(String key, int value) {
        return put(key, GgufValue.i8(value));
    }

    public GgufWriter putU16(String key, int value) {
        return put(key, GgufValue.u16(value));
    }

    public GgufWriter putI16(String key, int value) {
        return put(key, GgufValue.i16(value));
    }

    public GgufWriter putU32(String key, long value) {
        return put(key, GgufValue.u32(value));
    }

    public GgufWriter putI32(String key, int value) {
        return put(key, GgufValue.i32(value));
    }

    public GgufWriter putF32(String key, float value) {
        return put(key, GgufValue.f32(value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValue.bool(value));
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValue.string(value));
    }

    /** {@code rawBits} is the unsigned value's bit pattern. */
    public GgufWriter putU64(String key, long rawBits) {
        return put(key, GgufValue.u64(rawBits));
    }

    public GgufWriter putI64(String key, long value) {
        return put(key, GgufValue.i64(value));
    }

    public GgufWriter putF64(String key, double value) {
        return put(key, GgufValue.f64(value));
    }

    /** An array of {@code elementType}; nested arrays are elements of type {@code ARRAY}. */
    public GgufWriter putArray(String key, GgufValueType elementType, List<? extends GgufValue> elements) {
        return put(key, GgufArray.of(elementType, elements));
    }

    /**
     * Adds a tensor whose data {@code source} streams at write time.
     *
     * @param dims 1 to 4 positive extents, innermost ({@code ne[0]}, the row length) first
     * @throws IllegalArgumentException for a duplicate or over-long name, a bad shape, or rows that
     *                                  are not a whole number of {@code type}'s blocks
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, TensorDataSource source) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        if (name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > GgufTensorInfo.MAX_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name must be 1 to " + GgufTensorInfo.MAX_NAME_BYTES + " UTF-8 bytes: '" + name + "'");
        }
        if (dims.length == 0) {
            throw new IllegalArgumentException("tensor '" + name + "' needs at least one dimension");
        }
        for (long d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor '" + name + "' dimensions must be positive");
            }
        }
        new GgufTensorInfo(name, dims, type, 0); // validates rank, block multiple and size overflow
        if (!tensorNames.add(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        tensors.add(new PendingTensor(name, type, dims.clone(), source));
        return this;
    }

    /** The alignment the file will use: {@code general.alignment} if put, else 32. */
    public int alignment() {
        return metadata.get(ALIGNMENT_KEY) instanceof GgufValue.UInt32(long a) ? (int) a : DEFAULT_ALIGNMENT;
    }

    /**
     * The tensor infos as they will be written, with their data offsets.
     */
    public List<GgufTensorInfo> tensorInfos() {
        long align = alignment();
        List<GgufTensorInfo> infos = new ArrayList<>(tensors.size());
        long offset = 0;
        for (PendingTensor t : tensors) {
            GgufTensorInfo info = new GgufTensorInfo(t.name(), t.dims(), t.type(), offset);
            infos.add(info);
            offset = Math.addExact(offset, alignUp(info.byteSize(), align));
        }
        return infos;
    }

    /**
     * Writes the file atomically: into a temporary file beside {@code out}, flushed to disk, then
     * renamed over {@code out}. Parent directories are created. On failure {@code out} is untouched and
     * the temporary file removed.
     *
     * @return the size of the file in bytes
     */
    public long write(Path out) throws IOException {
        Path target = out.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = createTemp(dir, target.getFileName().toString());
        boolean moved = false;
        try {
            long written;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                written = writeTo(ch);
                // Durable before visible: after a crash the name holds either the old file or all of the new one.
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
            return written;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Writes the whole file to {@code out}, which is not closed.
     *
     * @return the number of bytes written
     */
    public long writeTo(WritableByteChannel out) throws IOException {
        int align = alignment();
        List<GgufTensorInfo> infos = tensorInfos();

        GgufEncoder header = new GgufEncoder();
        header.i32(0x46554747); // magic "GGUF"
        header.i32(3);          // version
        header.i64(infos.size()); // tensor_count
        header.i64(metadata.size()); // metadata_kv_count
        for (Map.Entry<String, GgufValue> kv : metadata.entrySet()) {
            header.keyValue(kv.getKey(), kv.getValue());
        }
        for (GgufTensorInfo t : infos) {
            header.string(t.name());
            header.i32(t.nDims());
            for (long d : t.dims()) {
                header.i64(d);
            }
            header.i32(t.type().id());
            header.i64(t.offset());
        }
        header.zeros((int) (alignUp(header.position(), align) - header.position()));
        long written = writeFully(out, header.finish());

        for (int i = 0; i < infos.size(); i++) {
            GgufTensorInfo info = infos.get(i);
            BoundedSink sink = new BoundedSink(out, info);
            tensors.get(i).source().writeTo(sink);
            if (sink.count != info.byteSize()) {
                throw new IOException("tensor '" + info.name() + "': source wrote " + sink.count
                        + " bytes, expected " + info.byteSize());
            }
            written += sink.count;
            written += pad(out, alignUp(sink.count, align) - sink.count);
        }
        return written;
    }

    private static void checkAlignment(GgufValue value) {
        if (!(value instanceof GgufValue.UInt32(long a)) || a == 0 || (a & (a - 1)) != 0 || a > (1L << 30)) {
            throw new IllegalArgumentException(ALIGNMENT_KEY + " must be a UINT32 power of two up to 2^30, got " + value);
        }
    }

    private static Path createTemp(Path dir, String name) throws IOException {
        // Not Files.createTempFile: that creates mode 0600, and a model file should get the umask's mode.
        for (int attempt = 0; ; attempt++) {
            String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            Path tmp = dir.resolve("." + name + "." + suffix + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 8) {
                    throw e;
                }
            }
        }
    }

    private static long pad(WritableByteChannel out, long n) throws IOException {
        long left = n;
        while (left > 0) {
            ByteBuffer z = ZEROS.duplicate().limit((int) Math.min(left, ZEROS.capacity()));
            left -= writeFully(out, z);
        }
        return n;
    }

    private static long writeFully(WritableByteChannel out, ByteBuffer buf) throws IOException {
        long n = buf.remaining();
        while (buf.hasRemaining()) {
            out.write(buf);
        }
        return n;
    }

    private static long alignUp(long x, long alignment) {
        return (x + alignment - 1) & -alignment;
    }

    /** Passes bytes through to the file, refusing any beyond the tensor's size. */
    private static final class BoundedSink implements WritableByteChannel {
        private final WritableByteChannel out;
        private final GgufTensorInfo info;
        private long count;

        BoundedSink(WritableByteChannel out, GgufTensorInfo info) {
            this.out = out;
            this.info = info;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = src.remaining();
            if (n > info.byteSize() - count) {
                throw new IOException("tensor '" + info.name() + "': source wrote more than its " + info.byteSize() + " bytes");
            }
            writeFully(out, src);
            count += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return out.isOpen();
        }

        @Override
        public void close() {
            // The file belongs to the writer; a source closing it would be a bug, so this is a no-op.
        }
    }
}
