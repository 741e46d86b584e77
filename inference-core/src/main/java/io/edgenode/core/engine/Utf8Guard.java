package io.edgenode.core.engine;

/**
 * Whether the bytes a grammar has let through so far, plus the next token's, are still well-formed
 * UTF-8. Confined to the engine thread, one per constrained sequence.
 *
 * <p>Why: llama.cpp's grammar decodes token bytes leniently. A lead byte that UTF-8 forbids
 * ({@code F5..FF}, {@code C0}, {@code C1}) or a forbidden second byte (an overlong {@code E0 80},
 * a surrogate {@code ED A0}, beyond U+10FFFF {@code F4 90}) still decodes to some code point, which
 * a class such as JSON's string character {@code [^"\\]} accepts. The client then receives one
 * U+FFFD per byte: a string the grammar counted as one character comes out as four, and a
 * {@code maxLength} the grammar enforced is broken in the text. Under a grammar such tokens are
 * refused, so what the grammar counts is what the client reads.
 *
 * <p>The state is the number of continuation bytes still owed and the range the next one must be
 * in (RFC 3629's table): it carries across tokens, since byte-level vocabularies split characters.
 */
final class Utf8Guard {
    static final int INVALID = -1;

    /** 0 at a character boundary; else owed | lo << 8 | hi << 16 for the next byte. */
    private int state;

    /** Whether {@code piece} (its first {@code length} bytes) may come next. */
    boolean allows(byte[] piece, int length) {
        return next(state, piece, length) != INVALID;
    }

    /** Takes {@code piece} (already allowed). */
    void advance(byte[] piece, int length) {
        int s = next(state, piece, length);
        if (s == INVALID) {
            throw new IllegalStateException("a token the UTF-8 guard refused was taken");
        }
        state = s;
    }

    /** Whether the text so far ends on a character boundary. */
    boolean atBoundary() {
        return state == 0;
    }

    static int next(int state, byte[] piece, int length) {
        int owed = state & 0xFF;
        int lo = (state >>> 8) & 0xFF;
        int hi = (state >>> 16) & 0xFF;
        for (int i = 0; i < length; i++) {
            int v = piece[i] & 0xFF;
            if (owed > 0) {
                if (v < lo || v > hi) {
                    return INVALID;
                }
                owed--;
                lo = 0x80;
                hi = 0xBF;
            } else if (v < 0x80) {
                continue;
            } else if (v >= 0xC2 && v <= 0xDF) {
                owed = 1;
                lo = 0x80;
                hi = 0xBF;
            } else if (v == 0xE0) {
                owed = 2;
                lo = 0xA0;
                hi = 0xBF;
            } else if (v == 0xED) {
                owed = 2;
                lo = 0x80;
                hi = 0x9F;
            } else if (v >= 0xE1 && v <= 0xEF) {
                owed = 2;
                lo = 0x80;
                hi = 0xBF;
            } else if (v == 0xF0) {
                owed = 3;
                lo = 0x90;
                hi = 0xBF;
            } else if (v >= 0xF1 && v <= 0xF3) {
                owed = 3;
                lo = 0x80;
                hi = 0xBF;
            } else if (v == 0xF4) {
                owed = 3;
                lo = 0x80;
                hi = 0x8F;
            } else {
                return INVALID; // a stray continuation byte, C0, C1, F5..FF
            }
        }
        return owed == 0 ? 0 : owed | lo << 8 | hi << 16;
    }
}
