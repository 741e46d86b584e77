package io.edgenode.server.openai;

/**
 * JSON string literals as UTF-8 bytes, written straight into a caller's array: the per-token path
 * of {@link ContentChunkEncoder}, which must not build a generator per token. Stateless.
 *
 * <p>The output is byte for byte what {@link OpenAiJson}'s generator writes (a test holds the two
 * equal): {@code "} and {@code \} escaped with a backslash; control characters as {@code \b \t
 * \n \f \r} or {@code \}{@code u00XX} (upper-case hex); a valid surrogate pair as one 4-byte UTF-8
 * sequence; a lone surrogate as {@code \}{@code uXXXX}; everything else, DEL and U+2028 included,
 * as plain UTF-8.
 */
final class JsonStrings {
    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};

    private JsonStrings() {}

    /** The length in bytes of {@code s} as a JSON string literal, quotes included. */
    static int quotedLength(String s) {
        int n = 2;
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c < 0x20) {
                    n += shortEscape(c) != 0 ? 2 : 6;
                } else {
                    n += c == '"' || c == '\\' ? 2 : 1;
                }
            } else if (c < 0x800) {
                n += 2;
            } else if (!Character.isSurrogate(c)) {
                n += 3;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 6;
            }
        }
        return n;
    }

    /** Writes {@code s} as a JSON string literal at {@code off}; returns the offset after it. */
    static int writeQuoted(String s, byte[] dst, int off) {
        int p = off;
        dst[p++] = '"';
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c < 0x20) {
                    char e = shortEscape(c);
                    dst[p++] = '\\';
                    if (e != 0) {
                        dst[p++] = (byte) e;
                    } else {
                        p = unicodeEscapeBody(c, dst, p);
                    }
                } else if (c == '"' || c == '\\') {
                    dst[p++] = '\\';
                    dst[p++] = (byte) c;
                } else {
                    dst[p++] = (byte) c;
                }
            } else if (c < 0x800) {
                dst[p++] = (byte) (0xC0 | (c >> 6));
                dst[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (!Character.isSurrogate(c)) {
                dst[p++] = (byte) (0xE0 | (c >> 12));
                dst[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                dst[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                dst[p++] = (byte) (0xF0 | (cp >> 18));
                dst[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                dst[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                dst[p++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                dst[p++] = '\\';
                p = unicodeEscapeBody(c, dst, p);
            }
        }
        dst[p++] = '"';
        return p;
    }

    /** {@code uXXXX} after the backslash. */
    private static int unicodeEscapeBody(char c, byte[] dst, int p) {
        dst[p++] = 'u';
        dst[p++] = HEX[(c >> 12) & 0xF];
        dst[p++] = HEX[(c >> 8) & 0xF];
        dst[p++] = HEX[(c >> 4) & 0xF];
        dst[p++] = HEX[c & 0xF];
        return p;
    }

    private static char shortEscape(char c) {
        return switch (c) {
            case '\b' -> 'b';
            case '\t' -> 't';
            case '\n' -> 'n';
            case '\f' -> 'f';
            case '\r' -> 'r';
            default -> 0;
        };
    }
}
