package io.edgenode.store.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Thread-safe once open: an open GGUF file, its header, metadata and tensor infos parsed once and its
 * bytes memory-mapped once, readable from any thread concurrently. {@link #close()} unmaps the file:
 * segments from {@link #tensorData} are invalid afterwards (access throws
 * {@link IllegalStateException}, never a crash), so close only when no reader still needs them.
 *
 * <p>Opening maps the whole file but touches only the pages of the header, metadata and tensor infos;
 * tensor data is paged in only if read. The file must not be truncated while open: like any mapping,
 * reading pages that no longer exist faults.
 */
public final class GgufFile implements AutoCloseable {

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapped;
    private final GgufReader.Layout layout;
    private final Map<String, GgufTensorInfo> byName;
    private final AtomicBoolean closed = new AtomicBoolean();

    private GgufFile(Path path, Arena arena, MemorySegment mapped, GgufReader.Layout layout) {
        this.path = path;
        this.arena = arena;
        this.mapped = mapped;
        this.layout = layout;
        Map<String, GgufTensorInfo> m = new HashMap<>();
        for (GgufTensorInfo t : layout.tensors()) {
            m.put(t.name(), t);
        }
        this.byName = Map.copyOf(m);
    }

    /**
     * Maps and parses {@code path}.
     *
     * @throws java.nio.file.NoSuchFileException if it does not exist
     * @throws FileSystemException if it is a directory
     * @throws GgufFormatException if it is not a well-formed GGUF v2/v3 file
     * @throws IOException if it cannot be read
     */
    public static GgufFile open(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        if (Files.isDirectory(path)) {
            // Mapping a directory fails with an obscure error on some systems; say what is wrong.
            throw new FileSystemException(path.toString(), null, "is a directory, not a GGUF file");
        }
        // A shared arena: tensor data may be read from any thread (loaders, the engine) until close.
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                throw new GgufFormatException(path, "empty file, not GGUF", 0);
            }
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            GgufReader.Layout layout = new GgufReader(mapped, path).read();
            return new GgufFile(path, arena, mapped, layout);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** GGUF format version: 2 or 3. */
    public int version() {
        return layout.version();
    }

    /** All metadata, in file order. */
    public GgufMetadata metadata() {
        return layout.metadata();
    }

    /** Tensor infos in file order. */
    public List<GgufTensorInfo> tensors() {
        return layout.tensors();
    }

    public Optional<GgufTensorInfo> tensor(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Data alignment in bytes: {@code general.alignment}, or 32 when absent. */
    public int alignment() {
        return layout.alignment();
    }

    /**
     * File offset where the data section starts (tensor offsets are relative to it). For a file without
     * tensors this is where the section would start, which may be at or past the end of the file.
     */
    public long dataOffset() {
        return layout.dataOffset();
    }

    public long fileSize() {
        return mapped.byteSize();
    }

    /** Sum of the data bytes of every tensor, without alignment padding. */
    public long tensorDataBytes() {
        long sum = 0;
        for (GgufTensorInfo t : layout.tensors()) {
            sum += t.byteSize();
        }
        return sum;
    }

    /**
     * The bytes of one tensor, read-only, valid until {@link #close()}.
     *
     * @throws IllegalArgumentException if {@code info} is not a tensor of this file
     */
    public MemorySegment tensorData(GgufTensorInfo info) {
        if (!info.equals(byName.get(info.name()))) {
            throw new IllegalArgumentException("tensor " + info + " is not part of " + path);
        }
        return mapped.asSlice(layout.dataOffset() + info.offset(), info.byteSize()).asReadOnly();
    }

    /** Unmaps the file. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version() + ", " + metadata().size() + " keys, " + tensors().size() + " tensors]";
    }
}
