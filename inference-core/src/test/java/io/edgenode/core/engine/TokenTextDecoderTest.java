package io.edgenode.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenTextDecoderTest {
    private static int complete(String s, int cut) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return TokenTextDecoder.completePrefixLength(b, cut);
    }

    @Test
    void shouldHoldBackAnUnfinishedCharacter() {
        // "a😀" = 61 F0 9F 98 80: every cut inside the emoji keeps only "a"
        assertEquals(1, complete("a😀", 2));
        assertEquals(1, complete("a😀", 3));
        assertEquals(1, complete("a😀", 4));
        assertEquals(5, complete("a😀", 5));
        // CJK (3 bytes)
        assertEquals(0, complete("中", 1));
        assertEquals(0, complete("中", 2));
        assertEquals(3, complete("中", 3));
        assertEquals(2, complete("é", 2));
        assertEquals(0, complete("é", 1));
    }

    @Test
    void shouldNotStallOnInvalidBytes() {
        byte[] stray = {'a', (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80};
        assertEquals(5, TokenTextDecoder.completePrefixLength(stray, 5));
        byte[] ascii = {'a', 'b'};
        assertEquals(2, TokenTextDecoder.completePrefixLength(ascii, 2));
        assertEquals(0, TokenTextDecoder.completePrefixLength(ascii, 0));
    }
}
