package io.edgenode.server.gateway;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * OpenAI's rate-limit response headers from a {@link RateLimitStatus}. Stateless; thread-safe.
 * Durations use OpenAI's (Go's) format: {@code 12ms}, {@code 1s}, {@code 6m0s}, {@code 1m30.5s}.
 */
public final class RateLimitHeaders {
    private RateLimitHeaders() {}

    /** The headers of the limits that exist, in OpenAI's order; {@code Retry-After} when {@code retryAfterNanos > 0}. */
    public static Map<String, String> of(RateLimitStatus s, long retryAfterNanos) {
        Map<String, String> h = new LinkedHashMap<>();
        if (s.limitRequests() > 0) {
            h.put("x-ratelimit-limit-requests", Long.toString(s.limitRequests()));
        }
        if (s.limitTokens() > 0) {
            h.put("x-ratelimit-limit-tokens", Long.toString(s.limitTokens()));
        }
        if (s.limitRequests() > 0) {
            h.put("x-ratelimit-remaining-requests", Long.toString(Math.max(0, s.remainingRequests())));
        }
        if (s.limitTokens() > 0) {
            h.put("x-ratelimit-remaining-tokens", Long.toString(Math.max(0, s.remainingTokens())));
        }
        if (s.limitRequests() > 0) {
            h.put("x-ratelimit-reset-requests", duration(s.resetRequestsNanos()));
        }
        if (s.limitTokens() > 0) {
            h.put("x-ratelimit-reset-tokens", duration(s.resetTokensNanos()));
        }
        if (retryAfterNanos > 0) {
            // whole seconds rounded up, at least 1: a client retrying earlier would be refused again
            h.put("Retry-After", Long.toString(Math.max(1, (retryAfterNanos + 999_999_999L) / 1_000_000_000L)));
        }
        return h;
    }

    /** Go's Duration.String at millisecond resolution, rounded up so a client never waits too little. */
    public static String duration(long nanos) {
        long ms = nanos <= 0 ? 0 : (nanos + 999_999L) / 1_000_000L;
        if (ms == 0) {
            return "0s";
        }
        if (ms < 1000) {
            return ms + "ms";
        }
        StringBuilder b = new StringBuilder();
        long h = ms / 3_600_000L;
        long m = ms / 60_000L % 60;
        long sec = ms / 1000 % 60;
        long frac = ms % 1000;
        if (h > 0) {
            b.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            b.append(m).append('m');
        }
        b.append(sec);
        if (frac > 0) {
            String f = String.format("%03d", frac).replaceAll("0+$", "");
            b.append('.').append(f);
        }
        return b.append('s').toString();
    }
}
