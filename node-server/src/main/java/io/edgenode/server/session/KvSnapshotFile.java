package io.edgenode.server.session;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
 */
final class KvSnapshotFile {
    static final byte[] MAGIC = {'E', 'N', 'K', 'V'};
    static final int FORMAT_VERSION = 1;
    static final int MAX_SESSION_ID_BYTES = 1024;
    static final int MAX_MODEL_SHA_BYTES = 256;
    /** magic, version, two string lengths, token count, state length, crc. */
    static final int FIXED_BYTES = 4 + 4 + 4 + 4 + 4 + 8 + 4;
    private static final int BUFFER_BYTES = 64 * 1024;

    /** The file's content does not follow the format: the reason is fit for a log line. */
    static final class CorruptSnapshotException extends Exception {
        CorruptSnapshotException(String reason) {
            super(reason);
        }
    }

    private KvSnapshotFile() {}

    static long size(String sessionId, KvSnapshot s) {
        return FIXED_BYTES + sessionId.getBytes(StandardCharsets.UTF_8).length
                + s.modelSha256().getBytes(StandardCharsets.UTF_8).length + 4L * s.tokens().length + s.state().length;
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
        header.putLong(s.state().length);
        header.flip();
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, header.limit());
        crc.update(s.state());
        writeFully(ch, header);
        writeFully(ch, ByteBuffer.wrap(s.state()));
        writeFully(ch, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) crc.getValue()));
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /**
     * Reads a snapshot of {@code sessionId}. Empty when it was written for another model (then the state bytes are
     * not read at all).
     *
     * @param fileSize the channel's size, taken when it was opened
     * @throws CorruptSnapshotException when the content does not follow the format or fails its checksum
     */
    static Optional<KvSnapshot> read(FileChannel ch, long fileSize, String sessionId, String modelSha256)
            throws IOException, CorruptSnapshotException {
        if (fileSize < FIXED_BYTES) {
            throw new CorruptSnapshotException("truncated: " + fileSize + " bytes, shorter than any snapshot");
        }
        Reader in = new Reader(ch, fileSize - 4);
        byte[] magic = in.bytes(4);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new CorruptSnapshotException("not a KV snapshot (bad magic)");
        }
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
            return Optional.empty();
        }
        int tokenCount = in.int32();
        if (tokenCount < 0 || 4L * tokenCount > in.remaining() - 8) {
            throw new CorruptSnapshotException("token count " + tokenCount + " does not fit the file's "
                    + fileSize + " bytes");
        }
        int[] tokens = new int[tokenCount];
        for (int i = 0; i < tokenCount; i++) {
            tokens[i] = in.int32();
        }
        long stateLength = in.int64();
        if (stateLength != in.remaining()) {
            throw new CorruptSnapshotException("state length " + stateLength + " does not match the "
                    + in.remaining() + " bytes left in the file (truncated or padded)");
        }
        if (stateLength > Integer.MAX_VALUE - 16) {
            throw new CorruptSnapshotException("state of " + stateLength + " bytes is too large for one array");
        }
        byte[] state = in.bytes((int) stateLength);
        int expected = (int) in.crc.getValue();
        int stored = in.trailerInt32();
        if (stored != expected) {
            throw new CorruptSnapshotException(String.format("checksum mismatch (stored %08x, computed %08x)",
                    stored, expected));
        }
        return Optional.of(new KvSnapshot(sha, tokens, state));
    }

    /** Sequential reads of the checksummed body, bounded by its length; confined to one read call. */
    private static final class Reader {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN).flip();
        private final CRC32C crc = new CRC32C();
        private long remaining;

        Reader(FileChannel ch, long bodyBytes) {
            this.ch = ch;
            this.remaining = bodyBytes;
        }

        long remaining() {
            return remaining;
        }

        int int32() throws IOException, CorruptSnapshotException {
            take(4);
            crc.update(buf.array(), buf.position(), 4);
            return buf.getInt();
        }

        long int64() throws IOException, CorruptSnapshotException {
            take(8);
            crc.update(buf.array(), buf.position(), 8);
            return buf.getLong();
        }

        String string(String what, int maxBytes) throws IOException, CorruptSnapshotException {
            int n = int32();
            if (n < 1 || n > maxBytes || n > remaining) {
                throw new CorruptSnapshotException(what + " length " + n + " is out of range");
            }
            return new String(bytes(n), StandardCharsets.UTF_8);
        }

        byte[] bytes(int n) throws IOException, CorruptSnapshotException {
            if (n > remaining) {
                throw new CorruptSnapshotException("truncated: needs " + n + " more bytes, " + remaining + " left");
            }
            byte[] out = new byte[n];
            int fromBuffer = Math.min(n, buf.remaining());
            buf.get(out, 0, fromBuffer);
            ByteBuffer rest = ByteBuffer.wrap(out, fromBuffer, n - fromBuffer);
            while (rest.hasRemaining()) {
                if (ch.read(rest) < 0) {
                    throw new EOFException("file shrank while being read");
                }
            }
            remaining -= n;
            crc.update(out);
            return out;
        }

        /** The 4 bytes after the body: not part of the checksum. */
        int trailerInt32() throws IOException {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            int fromBuffer = Math.min(4, buf.remaining());
            b.put(buf.array(), buf.position(), fromBuffer);
            buf.position(buf.position() + fromBuffer);
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                    throw new EOFException("file shrank while being read");
                }
            }
            return b.getInt(0);
        }

        /** Makes {@code n} bytes of the body available in the buffer (n is small). */
        private void take(int n) throws IOException, CorruptSnapshotException {
            if (n > remaining) {
                throw new CorruptSnapshotException("truncated: needs " + n + " more bytes, " + remaining + " left");
            }
            if (buf.remaining() < n) {
                buf.compact();
                while (buf.position() < n) {
                    if (ch.read(buf) < 0) {
                        throw new EOFException("file shrank while being read");
                    }
                }
                buf.flip();
            }
            remaining -= n;
        }
    }
}
