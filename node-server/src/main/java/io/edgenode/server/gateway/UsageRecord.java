package io.edgenode.server.gateway;

import java.util.Map;
import java.util.Objects;

/**
 * One row of the usage ledger: one request, whatever its outcome. Times are epoch milliseconds
 * ({@code firstTokenAtMillis} 0 when no token came). Costs are nano-dollars.
 *
 * @param keyId null in keyless mode
 * @param fallbackIndex which candidate served it: 0 the requested model, 1.. a fallback or
 *     {@code auto}'s later choice; -1 when none did
 * @param status the HTTP status answered (200 for a stream that began, even if it ended with an
 *     in-band error: {@code errorType} then says so)
 * @param cachedTokens prompt tokens whose KV was reused (prefix reuse, session KV restore)
 * @param computeNanos engine time attributed to the request (each step's time split across its
 *     sequences by tokens)
 * @param cacheStatus HIT, MISS, BYPASS, or null when the response cache is off
 * @param flags guardrail flags raised (comma-separated rule ids), or null
 * @param metadata up to 5 pairs from {@code x-edgenode-metadata}
 */
public record UsageRecord(String requestId, String keyId, String user, String sessionId, String endpoint,
        String requestedModel, String servedModel, int fallbackIndex, int status, String errorType,
        long startedAtMillis, long firstTokenAtMillis, long endedAtMillis, int promptTokens, int cachedTokens,
        int completionTokens, long computeNanos, long costNanoUsd, String cacheStatus, String flags,
        Map<String, String> metadata) {
    public UsageRecord {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(endpoint, "endpoint");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
}
