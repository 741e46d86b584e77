package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.server.config.GatewaySettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which requests the cache serves, and for how long. */
class CachePolicyTest {
    static final GatewaySettings.Cache ON = new GatewaySettings.Cache(true, Duration.ofMinutes(5), 1 << 20, true);
    static final CachePolicy POLICY = new CachePolicy(ON);

    static CachePolicy.Decision decide(CachePolicy p, String body, Map<String, String> headers) {
        return p.decide(CacheKeysTest.json(body), headers::get);
    }

    static CachePolicy.Decision decide(String body) {
        return decide(POLICY, body, Map.of());
    }

    @Test
    void shouldServeDeterministicStatelessSingleChoiceRequests() {
        CachePolicy.Decision d = decide("{\"messages\":[],\"temperature\":0}");
        assertTrue(d.eligible());
        assertEquals(Duration.ofMinutes(5), d.ttl());
        assertTrue(decide("{\"messages\":[],\"temperature\":0.0,\"n\":1}").eligible());
        assertTrue(decide("{\"messages\":[],\"temperature\":0.9,\"seed\":42}").eligible());
        assertTrue(decide("{\"messages\":[],\"temperature\":0,\"tools\":[]}").eligible(), "tools are part of the key");
    }

    @Test
    void shouldBypassWhatDependsOnMoreThanTheRequest() {
        assertEquals("session", decide("{\"temperature\":0,\"session_id\":\"s1\"}").reason());
        assertEquals("memory", decide("{\"temperature\":0,\"memory\":{\"index\":\"i\"}}").reason());
        assertEquals("n", decide("{\"temperature\":0,\"n\":2}").reason());
        assertEquals("nondeterministic", decide("{\"temperature\":0.7}").reason());
        assertEquals("nondeterministic", decide("{\"messages\":[]}").reason(), "absent temperature is not 0");
        assertFalse(decide("{\"temperature\":0,\"seed\":null,\"n\":3}").eligible());
        assertEquals("disabled", decide(new CachePolicy(GatewaySettings.Cache.OFF), "{\"temperature\":0}", Map.of())
                .reason());
    }

    @Test
    void shouldServeSampledRequestsWhenNotDeterministicOnly() {
        CachePolicy any = new CachePolicy(new GatewaySettings.Cache(true, Duration.ofMinutes(5), 1 << 20, false));
        assertTrue(decide(any, "{\"temperature\":0.7}", Map.of()).eligible());
    }

    @Test
    void shouldHonourTheCacheHeaders() {
        String body = "{\"temperature\":0}";
        assertEquals("skip", decide(POLICY, body, Map.of("x-edgenode-cache", "skip")).reason());
        assertEquals("skip", decide(POLICY, body, Map.of("x-edgenode-cache", " No-Cache ")).reason());
        assertTrue(decide(POLICY, body, Map.of("x-edgenode-cache", "on")).eligible());
        assertEquals(Duration.ofSeconds(30), decide(POLICY, body, Map.of("x-edgenode-cache-ttl", "30")).ttl());
        assertEquals(Duration.ofMinutes(5), decide(POLICY, body, Map.of("x-edgenode-cache-ttl", "86400")).ttl(),
                "capped at the configured ttl");
        assertEquals(Duration.ofMinutes(5), decide(POLICY, body, Map.of("x-edgenode-cache-ttl", "soon")).ttl(),
                "ignored when not seconds");
        assertEquals("ttl", decide(POLICY, body, Map.of("x-edgenode-cache-ttl", "0")).reason());
    }
}
