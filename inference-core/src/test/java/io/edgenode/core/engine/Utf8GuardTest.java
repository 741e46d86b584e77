package io.edgenode.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The UTF-8 guard agrees with the JDK's strict decoder on every byte string, split anywhere. */
class Utf8GuardTest {
    static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    static boolean strictUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Feeds {@code bytes} as tokens of random lengths; true when all were allowed and it ends on a boundary. */
    static boolean guardAccepts(byte[] bytes, Random random) {
        Utf8Guard g = new Utf8Guard();
        int i = 0;
        while (i < bytes.length) {
            int n = 1 + random.nextInt(Math.min(4, bytes.length - i));
            byte[] piece = java.util.Arrays.copyOfRange(bytes, i, i + n);
            if (!g.allows(piece, n)) {
                return false;
            }
            g.advance(piece, n);
            i += n;
        }
        return g.atBoundary();
    }

    @Test
    void shouldRefuseWhatUtf8Forbids() {
        assertEquals(Utf8Guard.INVALID, Utf8Guard.next(0, b(0xF5, 0x80, 0x80, 0x80), 4)); // beyond U+10FFFF
        assertEquals(Utf8Guard.INVALID, Utf8Guard.next(0, b(0xF4, 0x90), 2));             // beyond U+10FFFF
        assertEquals(Utf8Guard.INVALID, Utf8Guard.next(0, b(0xC0, 0xAF), 2));             // overlong '/'
        assertEquals(Utf8Guard.INVALID, Utf8Guard.next(0, b(0xE0, 0x80), 2));             // overlong
        assertEquals(Utf8Guard.INVALID, Utf8Guard.next(0, b(0xED, 0xA0), 2));             // surrogate
        assertEquals(Utf8Guard.INVALID, Utf8Guard.next(0, b(0x80), 1));                   // stray continuation
        assertEquals(Utf8Guard.INVALID, Utf8Guard.next(0, b(0xE5, 0x41), 2));             // cut short
        // a character split across tokens is fine, and its state carries
        int s = Utf8Guard.next(0, b(0xF0), 1);
        assertTrue(s > 0);
        assertEquals(Utf8Guard.INVALID, Utf8Guard.next(s, b(0x80), 1)); // F0 needs 90..BF next
        s = Utf8Guard.next(s, b(0x9F, 0x98), 2);
        assertEquals(0, Utf8Guard.next(s, b(0x80), 1));                  // U+1F600
        Utf8Guard g = new Utf8Guard();
        assertTrue(g.allows(b('a', 0xE2), 2));
        g.advance(b('a', 0xE2), 2);
        assertFalse(g.atBoundary());
        assertFalse(g.allows(b('b'), 1));
    }

    @Test
    void shouldAgreeWithTheStrictDecoderOnRandomBytesSplitAnywhere() {
        Random random = new Random(42);
        int valid = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] bytes;
            if (random.nextBoolean()) { // valid text, sometimes corrupted in one byte
                StringBuilder text = new StringBuilder();
                for (int c = random.nextInt(4); c >= 0; c--) {
                    int cp = random.nextInt(4) == 0 ? 0x10000 + random.nextInt(0x100000) : random.nextInt(0xD800);
                    text.appendCodePoint(cp);
                }
                bytes = text.toString().getBytes(StandardCharsets.UTF_8);
                if (random.nextBoolean()) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                }
            } else {
                bytes = new byte[1 + random.nextInt(5)];
                random.nextBytes(bytes);
            }
            boolean expected = strictUtf8(bytes);
            valid += expected ? 1 : 0;
            assertEquals(expected, guardAccepts(bytes, random), () -> java.util.HexFormat.of().formatHex(bytes));
        }
        assertTrue(valid > 50_000 && valid < 150_000, "both kinds tested: " + valid);
    }
}
