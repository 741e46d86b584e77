package io.edgenode.server.gateway;

import io.edgenode.core.engine.Usage;

/**
 * How a request that reached a model ended, for the record stage.
 *
 * @param servedModel the model that ran it (or whose cached reply was replayed)
 * @param fallbackIndex 0 the first candidate, 1.. a fallback or a later {@code auto} choice
 * @param status the HTTP status answered (200 once a stream began)
 * @param errorType the error's type or code when it failed (in-band for a stream), else null
 * @param firstTokenAtMillis epoch millis of the first token, 0 when none
 * @param usage what the engine reported; for a cache hit the original generation's counts
 * @param cacheStatus HIT, MISS or BYPASS; null when the cache is off
 */
public record Outcome(String servedModel, int fallbackIndex, int status, String errorType, long firstTokenAtMillis,
        Usage usage, String cacheStatus) {
    public boolean cacheHit() {
        return "HIT".equals(cacheStatus);
    }
}
