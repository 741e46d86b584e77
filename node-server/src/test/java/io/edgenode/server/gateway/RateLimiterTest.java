package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Token buckets on a fake clock: admission, reservation, refunds, per-user buckets. */
class RateLimiterTest {
    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final RateLimiter limiter = new RateLimiter(new NanoTimeMeter(now::get));

    static ApiKey key(int rpm, long tpm, boolean perUser) {
        return new ApiKey("k1", "test", KeyScopes.DEFAULT, new KeyLimits(rpm, tpm, perUser, KeyLimits.NO_BUDGET),
                Instant.EPOCH, null);
    }

    @Test
    void shouldRefuseTheRequestOverTheMinuteLimitUntilTheBucketRefills() {
        ApiKey k = key(3, 0, false);
        for (int i = 0; i < 3; i++) {
            RateLimiter.RequestPermit p = limiter.admitRequest(k, null);
            assertTrue(p.granted());
            assertEquals(2 - i, p.status().remainingRequests());
        }
        RateLimiter.RequestPermit refused = limiter.admitRequest(k, null);
        assertFalse(refused.granted());
        assertEquals(20_000_000_000L, refused.retryAfterNanos(), "one request per 20 s refills");
        now.addAndGet(20_000_000_000L);
        assertTrue(limiter.admitRequest(k, null).granted());
    }

    @Test
    void shouldRefundTheUnusedPartOfAReservation() {
        ApiKey k = key(0, 10_000, false);
        RateLimiter.RequestPermit p = limiter.admitRequest(k, null);
        RateLimiter.TokenReservation r = limiter.reserveTokens(p, 1000);
        assertTrue(r.granted());
        assertEquals(9000, r.status().remainingTokens());
        limiter.settle(r, 300);
        limiter.settle(r, 0); // idempotent
        assertEquals(9700, limiter.status(k, null).remainingTokens(), "the 700 unused tokens came back");
        RateLimiter.TokenReservation over = limiter.reserveTokens(p, 100);
        limiter.settle(over, 250);
        assertEquals(9450, limiter.status(k, null).remainingTokens(), "using more than reserved counts the overrun");
    }

    @Test
    void shouldRefuseARequestLargerThanTheLimitWithItsOwnReason() {
        ApiKey k = key(0, 500, false);
        RateLimiter.TokenReservation r = limiter.reserveTokens(limiter.admitRequest(k, null), 501);
        assertFalse(r.granted());
        assertTrue(r.refusal().startsWith("Request too large"), r.refusal());
        assertEquals(500, limiter.status(k, null).remainingTokens(), "nothing taken");
    }

    @Test
    void shouldGiveEachUserItsOwnLimitWhenTheKeysLimitsArePerUser() {
        ApiKey k = key(2, 0, true);
        assertTrue(limiter.admitRequest(k, "alice").granted());
        assertTrue(limiter.admitRequest(k, "alice").granted());
        assertFalse(limiter.admitRequest(k, "alice").granted(), "alice's 2 per minute are used up");
        assertTrue(limiter.admitRequest(k, "bob").granted(), "bob has his own");
        assertTrue(limiter.admitRequest(k, null).granted(), "no user: the key's own bucket");
        assertEquals(1, limiter.status(k, "bob").remainingRequests());
        now.addAndGet(30_000_000_000L); // one request refills
        assertTrue(limiter.admitRequest(k, "alice").granted());
    }

    @Test
    void shouldNeverAdmitMoreThanTheLimitUnderConcurrency() throws Exception {
        ApiKey k = key(50, 0, false);
        AtomicInteger granted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        for (int i = 0; i < 400; i++) {
            pool.execute(() -> {
                if (limiter.admitRequest(k, null).granted()) {
                    granted.incrementAndGet();
                }
            });
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(50, granted.get());
    }
}
