package io.edgenode.core.embed;

import java.text.Normalizer;
import java.util.Locale;

/**
 * Hugging Face's {@code BertNormalizer} ({@code tokenizers/src/normalizers/bert.rs}), in its order:
 * clean the text, pad CJK ideographs with spaces, strip accents, lower-case. Stateless; thread-safe.
 *
 * <p>Character classes follow the Rust definitions, not Java's: "whitespace" is Unicode's
 * {@code White_Space} property (Java's {@link Character#isWhitespace} leaves out no-break spaces and
 * takes in U+001C..U+001F), "control" is any {@code C*} category except tab, newline and carriage
 * return. Lower-casing maps each code point on its own (no final-sigma rule), as Rust's
 * {@code char::to_lowercase} does.
 *
 * @param cleanText drop NUL, U+FFFD and control characters; turn whitespace into a space
 * @param handleChineseChars put spaces around CJK ideographs so each becomes its own word
 * @param stripAccents NFD, then drop nonspacing marks ({@code Mn})
 * @param lowercase lower-case every code point
 */
record BertNormalizer(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase) {

    String normalize(String text) {
        String s = text;
        if (cleanText) {
            s = clean(s);
        }
        if (handleChineseChars) {
            s = padChinese(s);
        }
        if (stripAccents) {
            s = stripAccents(s);
        }
        if (lowercase) {
            s = lowercase(s);
        }
        return s;
    }

    private static String clean(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c == 0 || c == 0xFFFD || isControl(c)) {
                return;
            }
            out.appendCodePoint(isWhitespace(c) ? ' ' : c);
        });
        return out.toString();
    }

    private static String padChinese(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        s.codePoints().forEach(c -> {
            if (isChinese(c)) {
                out.append(' ').appendCodePoint(c).append(' ');
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    private static String stripAccents(String s) {
        String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
        StringBuilder out = new StringBuilder(nfd.length());
        nfd.codePoints().forEach(c -> {
            if (Character.getType(c) != Character.NON_SPACING_MARK) {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    private static String lowercase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c < 0x80) {
                out.append((char) (c >= 'A' && c <= 'Z' ? c + 32 : c));
            } else {
                // One code point at a time: full mappings (U+0130 -> "i\u0307") but no context rules.
                out.append(Character.toString(c).toLowerCase(Locale.ROOT));
            }
        });
        return out.toString();
    }

    /** Unicode {@code White_Space}, as Rust's {@code char::is_whitespace}. */
    static boolean isWhitespace(int c) {
        return switch (c) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> c >= 0x2000 && c <= 0x200A;
        };
    }

    /** Categories Cc, Cf, Cn, Co, Cs, except tab, newline and carriage return (bert.rs {@code is_control}). */
    static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') {
            return false;
        }
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.UNASSIGNED, Character.PRIVATE_USE,
                    Character.SURROGATE -> true;
            default -> false;
        };
    }

    /** The CJK Unified Ideographs blocks bert.rs pads (not Hangul, Hiragana or Katakana). */
    static boolean isChinese(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
