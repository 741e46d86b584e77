package io.edgenode.core.engine;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.edgenode.core.llama.Vocab;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Incremental, UTF-8-safe detokenization of one generated stream. Confined to the thread that
 * samples the stream. Byte-level vocabularies emit a multi-byte character as several tokens
 * (e.g. an emoji as four {@code <0xNN>} tokens), so bytes are held back until they complete a
 * character; text is never split inside a code point. The native piece buffer is reused: the
 * only per-token allocation is the returned String.
 */
public final class TokenTextDecoder implements AutoCloseable {
    private final Vocab vocab;
    private final Arena arena = Arena.ofConfined();
    private MemorySegment piece = arena.allocate(128);
    private byte[] pending = new byte[256];
    private int pendingLength;

    public TokenTextDecoder(Vocab vocab) {
        this.vocab = vocab;
    }

    /**
     * Appends {@code token}'s bytes and returns the text that is now complete ("" when the token
     * only started a multi-byte character, or is a control token, which renders as nothing).
     */
    public String append(int token) {
        int n = vocab.tokenToPiece(token, piece, false);
        if (n < 0) {
            piece = arena.allocate(-n);
            n = vocab.tokenToPiece(token, piece, false);
        }
        if (pendingLength + n > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + n));
        }
        MemorySegment.copy(piece, JAVA_BYTE, 0, pending, pendingLength, n);
        pendingLength += n;
        int complete = completePrefixLength(pending, pendingLength);
        if (complete == 0) {
            return "";
        }
        String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
        pendingLength -= complete;
        return text;
    }

    /** Whatever is still held back (an incomplete character at the end of the stream), decoded leniently. */
    public String flush() {
        if (pendingLength == 0) {
            return "";
        }
        String text = new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
        pendingLength = 0;
        return text;
    }

    /**
     * Length of the longest prefix of {@code bytes[0..length)} that does not end inside a UTF-8
     * sequence. Only the last (up to 3) bytes can be an unfinished lead; invalid bytes count as
     * complete so that a broken stream never stalls (the decoder replaces them with U+FFFD).
     */
    static int completePrefixLength(byte[] bytes, int length) {
        for (int back = 1; back <= Math.min(3, length); back++) {
            int b = bytes[length - back] & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue; // continuation byte: keep looking for its lead
            }
            int needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return needed > back ? length - back : length;
        }
        return length;
    }

    @Override
    public void close() {
        arena.close();
    }
}
