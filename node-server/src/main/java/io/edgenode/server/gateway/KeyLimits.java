package io.edgenode.server.gateway;

import java.util.Objects;

/**
 * One key's rate limits and budget.
 *
 * @param requestsPerMinute 0: none
 * @param tokensPerMinute prompt plus completion tokens; 0: none
 * @param perUser the rate limits apply to each {@code user} of the key separately instead of to the
 *     key as a whole (an app key serving many end users); a request without a {@code user} field
 *     counts against the key's own buckets
 * @param budget spending limits; {@link #NO_BUDGET} when none
 */
public record KeyLimits(int requestsPerMinute, long tokensPerMinute, boolean perUser, Budget budget) {
    public static final Budget NO_BUDGET = new Budget(0, 0, BudgetPeriod.TOTAL);
    public static final KeyLimits NONE = new KeyLimits(0, 0, false, NO_BUDGET);
    /** The largest per-minute limit (ten billion). */
    public static final long MAX_PER_MINUTE = 10_000_000_000L;

    public KeyLimits {
        Objects.requireNonNull(budget, "budget");
        if (requestsPerMinute < 0 || tokensPerMinute < 0) {
            throw new IllegalArgumentException("rate limits must be >= 0 (0: none)");
        }
        if (tokensPerMinute > MAX_PER_MINUTE) {
            // Bucket4j refuses refills faster than a token per nanosecond; no node serves this many.
            throw new IllegalArgumentException("tokens per minute must be at most " + MAX_PER_MINUTE);
        }
    }

    public boolean limitsRate() {
        return requestsPerMinute > 0 || tokensPerMinute > 0;
    }
}
