package io.edgenode.server.openai;

import java.util.Arrays;
import java.util.Objects;

/**
 * The per-token SSE events of one stream ({@code data: {...chunk...}\n\n} with the token's text as
 * the chunk's content), for the hot path. Immutable and thread-safe; made once per stream by
 * {@link OpenAiEncoder#chatContentChunks} or {@link OpenAiEncoder#textContentChunks}.
 *
 * <p>Everything but the text is the same in every chunk of a stream, so it is encoded once, by
 * Jackson, around a sentinel, and kept as a head and a tail. A token then costs one exactly sized
 * array, two copies and one escape pass ({@link JsonStrings}): the bytes equal
 * {@code sse(chatChunkContent(..., delta))} (a test holds them equal) without a generator per token.
 */
public final class ContentChunkEncoder {
    /**
     * A text whose escaped form ({@code "\}{@code u0000"}) cannot appear in a chunk's constant tail;
     * the chunk's text is its last string, so the last occurrence is the text's slot.
     */
    static final String SENTINEL = "\u0000";
    private static final byte[] QUOTED_SENTINEL = {'"', '\\', 'u', '0', '0', '0', '0', '"'};

    private final byte[] head;
    private final byte[] tail;

    private ContentChunkEncoder(byte[] head, byte[] tail) {
        this.head = head;
        this.tail = tail;
    }

    /** Splits a whole event holding {@link #SENTINEL} as its text into head and tail. */
    static ContentChunkEncoder split(byte[] event) {
        int at = lastIndexOf(event, QUOTED_SENTINEL);
        if (at < 0) {
            throw new IllegalStateException("sentinel not found in chunk");
        }
        byte[] head = Arrays.copyOfRange(event, 0, at);
        byte[] tail = Arrays.copyOfRange(event, at + QUOTED_SENTINEL.length, event.length);
        return new ContentChunkEncoder(head, tail);
    }

    /** The SSE event of a chunk with {@code delta} as its text. */
    public byte[] sse(String delta) {
        Objects.requireNonNull(delta, "delta");
        byte[] out = new byte[head.length + JsonStrings.quotedLength(delta) + tail.length];
        System.arraycopy(head, 0, out, 0, head.length);
        int p = JsonStrings.writeQuoted(delta, out, head.length);
        System.arraycopy(tail, 0, out, p, tail.length);
        return out;
    }

    private static int lastIndexOf(byte[] a, byte[] b) {
        outer:
        for (int i = a.length - b.length; i >= 0; i--) {
            for (int j = 0; j < b.length; j++) {
                if (a[i + j] != b[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
