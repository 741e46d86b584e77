package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.GenerationResult;
import io.edgenode.server.config.GatewaySettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Hits, single flight, failures, the byte bound and per-entry ttl. */
class ResponseCacheTest {
    static final Duration TTL = Duration.ofMinutes(5);
    final AtomicLong now = new AtomicLong(1_000);

    ResponseCache cache(long maxBytes) {
        return new ResponseCache(new GatewaySettings.Cache(true, TTL, maxBytes, true), now::get, Runnable::run);
    }

    static void generate(RecordedGeneration rec, String text, FinishReason reason) {
        rec.onToken(1);
        rec.onText(text);
        rec.onComplete(new GenerationResult("r", reason, RecordedGenerationTest.USAGE, null));
    }

    @Test
    void shouldMissThenHit() {
        ResponseCache cache = cache(1 << 20);
        var miss = assertInstanceOf(ResponseCache.Miss.class, cache.lookup("k", TTL));
        generate(miss.recording(), "hello", FinishReason.STOP);
        var hit = assertInstanceOf(ResponseCache.Hit.class, cache.lookup("k", TTL));
        assertSame(miss.recording(), hit.recording());
        RecordedGenerationTest.Log log = new RecordedGenerationTest.Log();
        hit.recording().replay(log);
        assertEquals(List.of("t1", "xhello", "done:STOP"), log.events);
        assertInstanceOf(ResponseCache.Miss.class, cache.lookup("other", TTL));
        ResponseCache.Stats s = cache.stats();
        assertEquals(1, s.hits());
        assertEquals(2, s.misses());
        assertEquals(1, s.entries());
        assertEquals(miss.recording().weightBytes(), s.bytes());
        assertEquals(1, s.inFlight());
        cache.recordBypass();
        assertEquals(1, cache.stats().bypasses());
    }

    @Test
    void shouldFollowARecordingInFlight() {
        ResponseCache cache = cache(1 << 20);
        var miss = assertInstanceOf(ResponseCache.Miss.class, cache.lookup("k", TTL));
        miss.recording().onText("he");
        var follow = assertInstanceOf(ResponseCache.Follow.class, cache.lookup("k", TTL));
        RecordedGenerationTest.Log log = new RecordedGenerationTest.Log();
        follow.recording().subscribe(log);
        miss.recording().onText("llo");
        miss.recording().onComplete(new GenerationResult("r", FinishReason.STOP, RecordedGenerationTest.USAGE, null));
        assertEquals(List.of("xhe", "xllo", "done:STOP"), log.events);
        assertEquals(1, cache.stats().follows());
        assertInstanceOf(ResponseCache.Hit.class, cache.lookup("k", TTL));
    }

    @Test
    void shouldStartOneGenerationForSixteenConcurrentIdenticalRequests() throws Exception {
        for (int round = 0; round < 20; round++) {
            ResponseCache cache = cache(1 << 20);
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<ResponseCache.Lookup>> results = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        ResponseCache.Lookup l = cache.lookup("same", TTL);
                        if (l instanceof ResponseCache.Miss m) {
                            generate(m.recording(), "x", FinishReason.STOP); // may finish while others look up
                        }
                        return l;
                    }));
                }
                start.countDown();
                int missCount = 0;
                for (Future<ResponseCache.Lookup> f : results) {
                    ResponseCache.Lookup l = f.get();
                    if (l instanceof ResponseCache.Miss) {
                        missCount++;
                    }
                    assertTrue(l.recording().isComplete() || l instanceof ResponseCache.Follow, l.toString());
                }
                assertEquals(1, missCount, "exactly one generation");
                assertEquals(15, cache.stats().hits() + cache.stats().follows());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void shouldNotCacheAFailedLeaderAndLetTheNextRequestLead() {
        ResponseCache cache = cache(1 << 20);
        for (FinishReason reason : List.of(FinishReason.ERROR, FinishReason.CANCELLED)) {
            var miss = assertInstanceOf(ResponseCache.Miss.class, cache.lookup("k", TTL));
            var follow = assertInstanceOf(ResponseCache.Follow.class, cache.lookup("k", TTL));
            RecordedGenerationTest.Log log = new RecordedGenerationTest.Log();
            follow.recording().subscribe(log);
            generate(miss.recording(), "partial", reason);
            assertEquals(List.of("t1", "xpartial", "done:" + reason), log.events, "the failure is replayed");
            assertEquals(0, cache.stats().entries());
            assertEquals(0, cache.stats().inFlight());
        }
        var miss = assertInstanceOf(ResponseCache.Miss.class, cache.lookup("k", TTL));
        miss.recording().abandon("engine refused");
        assertInstanceOf(ResponseCache.Miss.class, cache.lookup("k", TTL), "an abandoned leader is dropped");
    }

    @Test
    void shouldEvictPastTheByteBound() {
        RecordedGeneration probe = new RecordedGeneration();
        generate(probe, "x".repeat(1000), FinishReason.STOP);
        long one = probe.weightBytes();
        ResponseCache cache = cache(one * 3);
        for (int i = 0; i < 10; i++) {
            var miss = assertInstanceOf(ResponseCache.Miss.class, cache.lookup("k" + i, TTL));
            generate(miss.recording(), "x".repeat(1000), FinishReason.STOP);
        }
        cache.cleanUp();
        ResponseCache.Stats s = cache.stats();
        assertTrue(s.bytes() <= one * 3, "bytes " + s.bytes() + " over " + one * 3);
        assertTrue(s.entries() <= 3, "entries " + s.entries());
        assertEquals(10 - s.entries(), s.evictions());
    }

    @Test
    void shouldExpireEachEntryAfterItsOwnTtl() {
        ResponseCache cache = cache(1 << 20);
        var shortLived = assertInstanceOf(ResponseCache.Miss.class, cache.lookup("short", Duration.ofSeconds(10)));
        generate(shortLived.recording(), "a", FinishReason.STOP);
        var longLived = assertInstanceOf(ResponseCache.Miss.class, cache.lookup("long", Duration.ofSeconds(60)));
        generate(longLived.recording(), "b", FinishReason.STOP);
        now.addAndGet(Duration.ofSeconds(9).toNanos());
        assertInstanceOf(ResponseCache.Hit.class, cache.lookup("short", TTL), "a hit does not extend it");
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertInstanceOf(ResponseCache.Miss.class, cache.lookup("short", TTL));
        assertInstanceOf(ResponseCache.Hit.class, cache.lookup("long", TTL));
        now.addAndGet(Duration.ofSeconds(50).toNanos());
        assertInstanceOf(ResponseCache.Miss.class, cache.lookup("long", TTL));
        cache.cleanUp();
        assertEquals(2, cache.stats().expirations());
    }
}
