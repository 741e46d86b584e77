package io.edgenode.server.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgenode.server.metrics.ServerMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

/** What a Prometheus server scrapes from {@code /metrics} after the gateway counts requests. */
class GatewayMetricsTest {
    private final ServerMetrics server = new ServerMetrics(new PrometheusRegistry());
    private final GatewayMetrics metrics = new GatewayMetrics(server.registry());

    private static Double value(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return null;
    }

    @Test
    void shouldScrapeCountersByKeyAndModelWithTotalSuffix() {
        metrics.count(UsageRows.row("1", "k1", null, null, "qwen", 200, 0, 10, 4, 5, 1_500_000_000L, 250_000_000L));
        metrics.count(UsageRows.row("2", "k1", null, null, "qwen", 200, 0, 2, 0, 1, 500_000_000L, 250_000_000L));
        metrics.count(UsageRows.row("3", null, null, null, "qwen", 429, 0, 0, 0, 0, 0, 0));
        metrics.rowsWritten(3);
        metrics.droppedRows(2);

        String s = new String(server.scrape(), UTF_8);
        assertEquals(2.0, value(s, "edgenode_gateway_requests_total{key=\"k1\",model=\"qwen\",status=\"200\"}"), s);
        assertEquals(1.0, value(s, "edgenode_gateway_requests_total{key=\"\",model=\"qwen\",status=\"429\"}"), s);
        assertEquals(12.0, value(s, "edgenode_gateway_tokens_total{key=\"k1\",kind=\"prompt\",model=\"qwen\"}"), s);
        assertEquals(4.0, value(s, "edgenode_gateway_tokens_total{key=\"k1\",kind=\"cached\",model=\"qwen\"}"), s);
        assertEquals(6.0, value(s, "edgenode_gateway_tokens_total{key=\"k1\",kind=\"completion\",model=\"qwen\"}"), s);
        assertEquals(0.5, value(s, "edgenode_gateway_cost_usd_total{key=\"k1\",model=\"qwen\"}"), s);
        assertEquals(2.0, value(s, "edgenode_gateway_compute_seconds_total{key=\"k1\",model=\"qwen\"}"), s);
        assertEquals(3.0, value(s, "edgenode_gateway_ledger_rows_written_total"), s);
        assertEquals(2.0, value(s, "edgenode_gateway_ledger_dropped_rows_total"), s);
    }
}
