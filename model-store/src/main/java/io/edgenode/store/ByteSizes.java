package io.edgenode.store;

import java.util.Locale;

/** Byte counts for people: {@code 512 B}, {@code 140.7 MiB}, {@code 3.9 GiB}. Stateless. */
public final class ByteSizes {
    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB"};

    private ByteSizes() {}

    /** {@code n} in the largest binary unit that keeps the value at least 1, one decimal. */
    public static String format(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double v = n;
        int u = -1;
        do {
            v /= 1024;
            u++;
        } while (v >= 1024 && u < UNITS.length - 1);
        return String.format(Locale.ROOT, "%.1f %s", v, UNITS[u]);
    }
}
