package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgenode.server.config.GatewaySettings;
import io.edgenode.server.gateway.GatewayDatabase;
import io.edgenode.server.gateway.GatewayMetrics;
import io.edgenode.server.gateway.UsageLedger;
import io.edgenode.server.gateway.UsageQuery;
import io.edgenode.server.gateway.UsageRecord;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.OpenAiJson;
import io.netty.handler.codec.http.HttpMethod;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /admin/usage} over a real ledger: the JSON shape, the time parameters, the 400s. */
class AdminUsageEndpointTest {
    private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    @TempDir
    Path dir;

    private UsageQuery query;
    private AdminUsageEndpoint endpoint;

    @BeforeEach
    void fill() {
        GatewayDatabase db = GatewayDatabase.open(dir);
        InstantSource clock = () -> Instant.ofEpochMilli(T0 + 3_600_000);
        try (UsageLedger ledger = new UsageLedger(db, GatewaySettings.Ledger.DEFAULTS,
                new GatewayMetrics(new PrometheusRegistry()), clock)) {
            ledger.record(new UsageRecord("1", "k1", null, "s", "chat_completions", "m", "m", 0, 200, null, T0, T0,
                    T0, 10, 2, 5, 2_000_000_000L, 1_500_000_000L, null, null, Map.of()));
            ledger.record(new UsageRecord("2", null, null, null, "chat_completions", "m", "m", 0, 500, "server_error",
                    T0 + 1000, 0, T0 + 1000, 3, 0, 0, 0, 0, null, null, Map.of()));
        }
        query = new UsageQuery(db);
        endpoint = new AdminUsageEndpoint(query, Runnable::run, clock);
    }

    @AfterEach
    void close() {
        query.close();
    }

    private JsonNode get(String uri) {
        return OpenAiJson.readObject(endpoint.answer(HttpMethod.GET, uri));
    }

    @Test
    void shouldAnswerGroupsByKeyAndModelOverTheLastThirtyDays() {
        JsonNode r = get("/admin/usage");
        assertEquals("list", r.get("object").asText());
        assertEquals("[\"key\",\"model\"]", r.get("group_by").toString());
        assertEquals((T0 + 3_600_000) / 1000, r.get("to").asLong());
        assertEquals(2, r.get("data").size());
        JsonNode keyless = r.get("data").get(0);
        assertTrue(keyless.get("key").isNull());
        assertEquals(1, keyless.get("errors").asLong());
        JsonNode k1 = r.get("data").get(1);
        assertEquals("k1", k1.get("key").asText());
        assertEquals("m", k1.get("model").asText());
        assertEquals(1, k1.get("requests").asLong());
        assertEquals(10, k1.get("prompt_tokens").asLong());
        assertEquals(2, k1.get("cached_tokens").asLong());
        assertEquals(5, k1.get("completion_tokens").asLong());
        assertEquals(2.0, k1.get("compute_seconds").asDouble());
        assertEquals(1.5, k1.get("cost_usd").asDouble());
        assertEquals(0, k1.get("errors").asLong());
    }

    @Test
    void shouldAcceptRfc3339AndEpochSecondsAndAKey() {
        JsonNode r = get("/admin/usage?group_by=status&from=2026-01-01T00:00:00Z&to=" + (T0 / 1000 + 1) + "&key=k1");
        assertEquals(1, r.get("data").size());
        assertEquals(200, r.get("data").get(0).get("status").asInt());
        assertEquals(2, get("/admin/usage?group_by=&from=2026-01-01T01:00:00%2B01:00").get("data").get(0)
                .get("requests").asLong(), "an offset, and no dimensions: one total");
    }

    @Test
    void shouldRefuseBadParametersWith400() {
        ApiException e = assertThrows(ApiException.class, () -> get("/admin/usage?group_by=key,colour"));
        assertEquals(400, e.error().status());
        assertEquals("group_by", e.error().param());
        assertEquals("from", assertThrows(ApiException.class, () -> get("/admin/usage?from=yesterday")).error().param());
        assertEquals("from", assertThrows(ApiException.class, () -> get("/admin/usage?from=20&to=10")).error().param());
        assertEquals(405, assertThrows(ApiException.class, () -> endpoint.answer(HttpMethod.POST, "/admin/usage"))
                .error().status());
        assertTrue(AdminUsageEndpoint.handles("/admin/usage"));
    }
}
