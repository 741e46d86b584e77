package io.edgenode.server.workflow;

/**
 * How often a failed {@code turn} or {@code http} step is tried, and how long the engine waits in between. Immutable.
 *
 * @param maxAttempts    1 to 20; 1 means no retry
 * @param backoffSeconds the wait after the first failed attempt, > 0
 * @param factor         each further wait is this many times the previous one, >= 1
 */
public record RetryPolicy(int maxAttempts, double backoffSeconds, double factor) {
    public static final RetryPolicy NONE = new RetryPolicy(1, 1, 2);
    static final int MAX_ATTEMPTS = 20;
    /** No single wait is longer than a week, whatever the factor: the arithmetic stays far from overflow. */
    static final long MAX_BACKOFF_MILLIS = 7L * 24 * 3600 * 1000;

    public RetryPolicy {
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS || !(backoffSeconds > 0) || !(factor >= 1)
                || Double.isInfinite(backoffSeconds) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("bad retry policy " + maxAttempts + "/" + backoffSeconds + "/" + factor);
        }
    }

    /** The wait after failed attempt {@code attempt} (1-based): {@code backoff * factor^(attempt-1)}, capped. */
    public long backoffMillis(int attempt) {
        double millis = backoffSeconds * 1000 * Math.pow(factor, Math.max(0, attempt - 1));
        return (long) Math.min(Math.max(1, millis), MAX_BACKOFF_MILLIS);
    }
}
