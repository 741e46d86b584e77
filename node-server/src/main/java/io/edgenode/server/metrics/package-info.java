/**
 * Prometheus metrics for {@code GET /metrics}: {@link io.edgenode.server.metrics.ServerMetrics}
 * (HTTP requests and errors, tokens, time to first token, inter-token latency, request duration)
 * over a registry of its own, plus the engines' gauges read at scrape time.
 */
package io.edgenode.server.metrics;
