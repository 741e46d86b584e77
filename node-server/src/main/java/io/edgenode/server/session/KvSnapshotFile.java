package io.edgenode.server.session;

import io.edgenode.core.engine.KvState;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The KV snapshot file format, version 1. All integers little-endian:
 *
 * <pre>
 *   magic            4 bytes  "ENKV"
 *   format version   int32    1
 *   session id       int32 length + UTF-8 bytes   (1..1024 bytes)
 *   model sha256     int32 length + UTF-8 bytes   (1..256 bytes)
 *   token count      int32, then that many int32 token ids
 *   state length     int64, then that many state bytes (llama_state_seq_get_data)
 *   crc32c           int32 over every byte before it
 * </pre>
 *
 * The lengths must account for the file's size exactly and the checksum must match, so truncation, appended
 * garbage and flipped bits are all detected. Stateless; any thread (each call owns its channel).
 *
 * <p>No copy of the state goes through the Java heap: the writer hands the native segment to the channel, and the
 * reader maps the file once, checks it in place and returns the state as a slice of the mapping, which llama.cpp
 * reads directly. A mapping stays valid only while the file is not truncated underneath it: {@link KvSnapshotStore}
 * replaces a snapshot by renaming a new file over it and deletes by unlinking, never rewriting a file in place, so a
 * mapped snapshot keeps its pages (the inode lives until it is unmapped).
 */
final class KvSnapshotFile {
    static final byte[] MAGIC = {'E', 'N', 'K', 'V'};
    static final int FORMAT_VERSION = 1;
    static final int MAX_SESSION_ID_BYTES = 1024;
    static final int MAX_MODEL_SHA_BYTES = 256;
    /** magic, version, two string lengths, token count, state length, crc. */
    static final int FIXED_BYTES = 4 + 4 + 4 + 4 + 4 + 8 + 4;
    private static final ValueLayout.OfInt INT32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong INT64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** A ByteBuffer view holds at most 2 GiB: larger states are written and checksummed in slices. */
    private static final long SLICE_BYTES = 1L << 30;

    /** The file's content does not follow the format: the reason is fit for a log line. */
    static final class CorruptSnapshotException extends Exception {
        CorruptSnapshotException(String reason) {
            super(reason);
        }
    }

    private KvSnapshotFile() {}

    static long size(String sessionId, KvSnapshot s) {
        return FIXED_BYTES + sessionId.getBytes(StandardCharsets.UTF_8).length
                + s.modelSha256().getBytes(StandardCharsets.UTF_8).length + 4L * s.tokens().length
                + s.state().byteSize();
    }

    static void write(FileChannel ch, String sessionId, KvSnapshot s) throws IOException {
        byte[] id = sessionId.getBytes(StandardCharsets.UTF_8);
        byte[] sha = s.modelSha256().getBytes(StandardCharsets.UTF_8);
        if (id.length < 1 || id.length > MAX_SESSION_ID_BYTES || sha.length < 1 || sha.length > MAX_MODEL_SHA_BYTES) {
            throw new IllegalArgumentException("session id or model sha256 empty or too long for a KV snapshot");
        }
        long headerBytes = FIXED_BYTES - 4 + id.length + sha.length + 4L * s.tokens().length;
        ByteBuffer header = ByteBuffer.allocate(Math.toIntExact(headerBytes)).order(ByteOrder.LITTLE_ENDIAN);
        header.put(MAGIC).putInt(FORMAT_VERSION);
        header.putInt(id.length).put(id);
        header.putInt(sha.length).put(sha);
        header.putInt(s.tokens().length);
        for (int t : s.tokens()) {
            header.putInt(t);
        }
        header.putLong(s.state().byteSize());
        header.flip();
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, header.limit());
        writeFully(ch, header);
        MemorySegment state = s.state();
        for (long at = 0; at < state.byteSize(); at += SLICE_BYTES) {
            ByteBuffer slice = state.asSlice(at, Math.min(SLICE_BYTES, state.byteSize() - at)).asByteBuffer();
            crc.update(slice.duplicate());
            writeFully(ch, slice);
        }
        writeFully(ch, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) crc.getValue()));
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /**
     * Reads a snapshot of {@code sessionId}: the state is a slice of the file mapped read-only, owned by the returned
     * KvState (closing it unmaps the file). Empty when it was written for another model.
     *
     * @param fileSize the channel's size, taken when it was opened
     * @throws CorruptSnapshotException when the content does not follow the format or fails its checksum
     */
    static Optional<KvState> read(FileChannel ch, long fileSize, String sessionId, String modelSha256)
            throws IOException, CorruptSnapshotException {
        if (fileSize < FIXED_BYTES) {
            throw new CorruptSnapshotException("truncated: " + fileSize + " bytes, shorter than any snapshot");
        }
        Arena arena = Arena.ofShared(); // the engine thread unmaps it, once the state is restored
        boolean handedOver = false;
        try {
            Cursor in = new Cursor(ch.map(FileChannel.MapMode.READ_ONLY, 0, fileSize, arena));
            Optional<KvState> state = parse(in, sessionId, modelSha256, arena);
            handedOver = state.isPresent();
            return state;
        } finally {
            if (!handedOver) {
                arena.close();
            }
        }
    }

    private static Optional<KvState> parse(Cursor in, String sessionId, String modelSha256, Arena arena)
            throws CorruptSnapshotException {
        if (in.file.asSlice(0, 4).mismatch(MemorySegment.ofArray(MAGIC)) >= 0) {
            throw new CorruptSnapshotException("not a KV snapshot (bad magic)");
        }
        in.at = 4;
        int version = in.int32();
        if (version != FORMAT_VERSION) {
            throw new CorruptSnapshotException("unsupported format version " + version + " (this code reads "
                    + FORMAT_VERSION + ")");
        }
        String id = in.string("session id", MAX_SESSION_ID_BYTES);
        String sha = in.string("model sha256", MAX_MODEL_SHA_BYTES);
        if (!id.equals(sessionId)) {
            throw new CorruptSnapshotException("the file holds session '" + id + "', not '" + sessionId + "'");
        }
        if (!sha.equals(modelSha256)) {
            return Optional.empty(); // the state is never touched: its pages are not even read
        }
        int tokenCount = in.int32();
        if (tokenCount < 0 || 4L * tokenCount > in.remaining() - 8) {
            throw new CorruptSnapshotException("token count " + tokenCount + " does not fit the file's "
                    + in.file.byteSize() + " bytes");
        }
        int[] tokens = new int[tokenCount];
        MemorySegment.copy(in.file, INT32, in.at, tokens, 0, tokenCount);
        in.at += 4L * tokenCount;
        long stateLength = in.int64();
        if (stateLength != in.remaining()) {
            throw new CorruptSnapshotException("state length " + stateLength + " does not match the "
                    + in.remaining() + " bytes left in the file (truncated or padded)");
        }
        long body = in.file.byteSize() - 4;
        CRC32C crc = new CRC32C();
        for (long at = 0; at < body; at += SLICE_BYTES) {
            crc.update(in.file.asSlice(at, Math.min(SLICE_BYTES, body - at)).asByteBuffer());
        }
        int stored = in.file.get(INT32, body);
        if (stored != (int) crc.getValue()) {
            throw new CorruptSnapshotException(String.format("checksum mismatch (stored %08x, computed %08x)",
                    stored, (int) crc.getValue()));
        }
        return Optional.of(KvState.owning(tokens, in.file.asSlice(in.at, stateLength), arena));
    }

    /** Reads the header fields in order from the mapped file, bounded by the body (the CRC excluded). */
    private static final class Cursor {
        final MemorySegment file;
        long at;

        Cursor(MemorySegment file) {
            this.file = file;
        }

        long remaining() {
            return file.byteSize() - 4 - at;
        }

        int int32() throws CorruptSnapshotException {
            need(4);
            int v = file.get(INT32, at);
            at += 4;
            return v;
        }

        long int64() throws CorruptSnapshotException {
            need(8);
            long v = file.get(INT64, at);
            at += 8;
            return v;
        }

        String string(String what, int maxBytes) throws CorruptSnapshotException {
            int n = int32();
            if (n < 1 || n > maxBytes || n > remaining()) {
                throw new CorruptSnapshotException(what + " length " + n + " is out of range");
            }
            String s = new String(file.asSlice(at, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            at += n;
            return s;
        }

        private void need(int n) throws CorruptSnapshotException {
            if (n > remaining()) {
                throw new CorruptSnapshotException("truncated: needs " + n + " more bytes, " + remaining() + " left");
            }
        }
    }
}
