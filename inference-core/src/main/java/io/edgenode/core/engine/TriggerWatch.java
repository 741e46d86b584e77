package io.edgenode.core.engine;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Watches a lazy constraint's generated text for its trigger words, byte by byte (UTF-8 pieces as
 * the detokenizer sees them). Confined to the engine thread. Pure Java: no llama.cpp.
 *
 * <p>The engine asks {@link #scan} before taking each token while the grammar waits: a token that
 * completes a trigger word and carries text past the word's end ({@link #OVERRUN}) must be
 * refused, so the word always ends on a token boundary and the grammar starts on a whole token.
 * The earliest-ending occurrence decides: a piece that completes one word and then another is an
 * overrun of the first.
 */
final class TriggerWatch {
    /** The piece completes no trigger word. */
    static final int NONE = 0;
    /** The piece completes a trigger word exactly at its end: the grammar holds from the next token. */
    static final int EXACT = 1;
    /** The piece completes a trigger word and goes on past it: refuse the token. */
    static final int OVERRUN = 2;

    private final byte[][] words;
    /** The last {@code longest - 1} bytes of text: enough to see a word that started earlier. */
    private final byte[] tail;
    private int tailLength;
    private byte[] joined;
    private boolean triggered;

    TriggerWatch(List<String> triggers) {
        if (triggers.isEmpty()) {
            throw new IllegalArgumentException("no trigger words");
        }
        words = new byte[triggers.size()][];
        int longest = 0;
        for (int i = 0; i < words.length; i++) {
            words[i] = triggers.get(i).getBytes(StandardCharsets.UTF_8);
            longest = Math.max(longest, words[i].length);
        }
        tail = new byte[Math.max(0, longest - 1)];
        joined = new byte[tail.length + 64];
    }

    boolean triggered() {
        return triggered;
    }

    /** What taking a token whose piece is {@code piece[0..length)} would do; changes nothing. */
    int scan(byte[] piece, int length) {
        if (triggered || length == 0) {
            return NONE;
        }
        int total = join(piece, length);
        // An end position inside the new piece: tail bytes alone were scanned when they came.
        for (int end = tailLength + 1; end <= total; end++) {
            for (byte[] w : words) {
                if (w.length <= end && endsWith(joined, end, w)) {
                    return end == total ? EXACT : OVERRUN;
                }
            }
        }
        return NONE;
    }

    /** Takes a token's piece (one {@link #scan} did not call an overrun); true when it completed a trigger. */
    boolean append(byte[] piece, int length) {
        if (triggered) {
            return true;
        }
        if (scan(piece, length) == EXACT) {
            triggered = true;
            return true;
        }
        int total = join(piece, length);
        int keep = Math.min(tail.length, total);
        System.arraycopy(joined, total - keep, tail, 0, keep);
        tailLength = keep;
        return false;
    }

    private int join(byte[] piece, int length) {
        int total = tailLength + length;
        if (joined.length < total) {
            joined = new byte[total * 2];
        }
        System.arraycopy(tail, 0, joined, 0, tailLength);
        System.arraycopy(piece, 0, joined, tailLength, length);
        return total;
    }

    private static boolean endsWith(byte[] text, int end, byte[] word) {
        int start = end - word.length;
        for (int i = 0; i < word.length; i++) {
            if (text[start + i] != word[i]) {
                return false;
            }
        }
        return true;
    }
}
