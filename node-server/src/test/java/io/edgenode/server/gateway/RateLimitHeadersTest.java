package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {
    @Test
    void shouldFormatDurationsAsOpenAiDoes() {
        assertEquals("0s", RateLimitHeaders.duration(0));
        assertEquals("20ms", RateLimitHeaders.duration(20_000_000L));
        assertEquals("1ms", RateLimitHeaders.duration(1));
        assertEquals("1s", RateLimitHeaders.duration(1_000_000_000L));
        assertEquals("6m0s", RateLimitHeaders.duration(360_000_000_000L));
        assertEquals("1m30.5s", RateLimitHeaders.duration(90_500_000_000L));
        assertEquals("8.64s", RateLimitHeaders.duration(8_640_000_000L));
        assertEquals("1h0m0s", RateLimitHeaders.duration(3_600_000_000_000L));
    }

    @Test
    void shouldSendOnlyTheHeadersOfLimitsThatExist() {
        Map<String, String> h = RateLimitHeaders.of(new RateLimitStatus(60, 59, 1_000_000_000L, 0, 0, 0), 0);
        assertEquals(List.of("x-ratelimit-limit-requests", "x-ratelimit-remaining-requests",
                "x-ratelimit-reset-requests"), List.copyOf(h.keySet()));
        assertEquals("1s", h.get("x-ratelimit-reset-requests"));
        Map<String, String> r = RateLimitHeaders.of(new RateLimitStatus(60, 0, 1, 150000, 149984, 360_000_000_000L),
                1_500_000_000L);
        assertEquals("150000", r.get("x-ratelimit-limit-tokens"));
        assertEquals("149984", r.get("x-ratelimit-remaining-tokens"));
        assertEquals("6m0s", r.get("x-ratelimit-reset-tokens"));
        assertEquals("2", r.get("Retry-After"));
    }
}
