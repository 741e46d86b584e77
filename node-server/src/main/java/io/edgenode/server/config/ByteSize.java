package io.edgenode.server.config;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as people write them: {@code 6GiB}, {@code 512MiB}, {@code 8GB}, {@code 1.5GiB} or plain
 * bytes. Binary units (KiB, MiB, GiB, TiB) are powers of 1024, decimal ones (KB, MB, GB, TB) of
 * 1000; units in any letter case. Stateless.
 */
public final class ByteSize {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15}(?:\\.\\d{1,6})?)\\s*([KMGT]i?B|B)?",
            Pattern.CASE_INSENSITIVE);

    private ByteSize() {}

    /** The size in bytes, or empty when {@code text} is not a size of at least one byte. */
    public static OptionalLong parse(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(java.util.Locale.ROOT);
        long scale = switch (unit) {
            case "KIB" -> 1L << 10;
            case "MIB" -> 1L << 20;
            case "GIB" -> 1L << 30;
            case "TIB" -> 1L << 40;
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            case "TB" -> 1_000_000_000_000L;
            default -> 1L;
        };
        if (scale == 1 && m.group(1).contains(".")) {
            return OptionalLong.empty(); // fractional bytes
        }
        double v = Double.parseDouble(m.group(1)) * scale;
        return v >= 1 && v <= Long.MAX_VALUE / 2 ? OptionalLong.of((long) v) : OptionalLong.empty();
    }
}
