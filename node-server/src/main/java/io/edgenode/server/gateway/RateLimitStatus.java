package io.edgenode.server.gateway;

/**
 * A key's rate-limit state right after one request's admission or reservation, for the
 * {@code x-ratelimit-*} headers. Immutable. A limit of 0 means the key has none of that kind.
 *
 * @param resetRequestsNanos time until the requests bucket is full again
 * @param resetTokensNanos time until the tokens bucket is full again
 */
public record RateLimitStatus(long limitRequests, long remainingRequests, long resetRequestsNanos,
        long limitTokens, long remainingTokens, long resetTokensNanos) {}
