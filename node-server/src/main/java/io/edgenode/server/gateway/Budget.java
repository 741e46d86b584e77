package io.edgenode.server.gateway;

import java.util.Objects;

/**
 * A spending limit, in nano-dollars (1e-9 USD: a token at $0.10 per million is 100), so that sums
 * are exact longs.
 *
 * @param limitNanoUsd what the key may spend per period; 0: no key-wide limit
 * @param perUserNanoUsd what each {@code user} of the key may spend per period; 0: no per-user limit
 */
public record Budget(long limitNanoUsd, long perUserNanoUsd, BudgetPeriod period) {
    public static final long NANO_PER_USD = 1_000_000_000L;

    public Budget {
        Objects.requireNonNull(period, "period");
        if (limitNanoUsd < 0 || perUserNanoUsd < 0) {
            throw new IllegalArgumentException("budget amounts must be >= 0");
        }
    }

    public boolean isLimited() {
        return limitNanoUsd > 0 || perUserNanoUsd > 0;
    }

    public static long nanoUsd(double usd) {
        if (!(usd >= 0) || Double.isInfinite(usd)) {
            throw new IllegalArgumentException("amount must be a finite number >= 0, got " + usd);
        }
        return Math.round(usd * NANO_PER_USD);
    }

    public static double usd(long nanoUsd) {
        return nanoUsd / (double) NANO_PER_USD;
    }
}
