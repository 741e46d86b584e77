package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.GenerationListener;
import io.edgenode.core.engine.GenerationResult;
import io.edgenode.core.engine.KvState;
import io.edgenode.core.engine.TokenLogprobs;
import io.edgenode.core.engine.Usage;
import io.edgenode.server.testing.Eventually;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Record, replay and follow one generation's events. */
class RecordedGenerationTest {
    static final Usage USAGE = new Usage(3, 0, 2, 1, 2, 3, 4.0);

    /** Writes each event as a string, in order; thread-safe enough for one delivering thread at a time. */
    static final class Log implements GenerationListener {
        final List<String> events = new ArrayList<>();
        volatile GenerationResult result;

        @Override
        public void onToken(int token) {
            events.add("t" + token);
        }

        @Override
        public void onLogprobs(TokenLogprobs logprobs) {
            events.add("l" + logprobs.token());
        }

        @Override
        public void onText(String delta) {
            events.add("x" + delta);
        }

        @Override
        public void onComplete(GenerationResult r) {
            events.add("done:" + r.finishReason());
            result = r;
        }
    }

    static GenerationResult result(FinishReason reason, KvState kv) {
        return new GenerationResult("req-1", reason, USAGE, null, new int[] {1, 2, 3, 7, 8}, "END", kv);
    }

    static void feed(GenerationListener l, FinishReason reason) {
        l.onLogprobs(new TokenLogprobs(7, -0.5f, new int[] {7, 9}, new float[] {-0.5f, -1f}));
        l.onToken(7);
        l.onText("he");
        l.onToken(8);
        l.onText("llo");
        l.onComplete(result(reason, null));
    }

    @Test
    void shouldReplayExactlyWhatTheGenerationEmitted() {
        Log live = new Log();
        feed(live, FinishReason.STOP);
        RecordedGeneration rec = new RecordedGeneration();
        feed(rec, FinishReason.STOP);
        Log replayed = new Log();
        rec.replay(replayed);
        assertEquals(live.events, replayed.events);
        assertEquals("END", replayed.result.stopString());
        assertEquals(USAGE, replayed.result.usage());
        assertEquals(5, replayed.result.tokens().length);
        assertTrue(rec.usable());
        Log subscribed = new Log();
        rec.subscribe(subscribed);
        assertEquals(live.events, subscribed.events);
    }

    @Test
    void shouldRefuseReplayWhileRunningButLetFollowersJoin() {
        RecordedGeneration rec = new RecordedGeneration();
        rec.onToken(7);
        rec.onText("he");
        assertThrows(IllegalStateException.class, () -> rec.replay(new Log()));
        Log follower = new Log();
        rec.subscribe(follower);
        assertEquals(List.of("t7", "xhe"), follower.events);
        rec.onText("llo");
        rec.onComplete(result(FinishReason.LENGTH, null));
        assertEquals(List.of("t7", "xhe", "xllo", "done:LENGTH"), follower.events);
        assertEquals(0, rec.followerCount(), "a follower past the result is let go");
        assertThrows(IllegalStateException.class, () -> rec.onText("late"));
    }

    @Test
    void shouldNeverKeepTheKvState() {
        try (KvState kv = KvState.copyOf(new int[] {1, 2}, MemorySegment.ofArray(new byte[16]))) {
            RecordedGeneration rec = new RecordedGeneration();
            rec.onText("x");
            rec.onComplete(result(FinishReason.STOP, kv));
            Log replayed = new Log();
            rec.replay(replayed);
            assertNull(replayed.result.kv());
            assertNull(rec.completion().join().kv());
            assertTrue(kv.isOpen(), "the recording neither keeps nor closes the producer's KV state");
        }
    }

    @Test
    void shouldMarkFailedCancelledAndAbandonedGenerationsUnusable() {
        for (FinishReason reason : List.of(FinishReason.ERROR, FinishReason.CANCELLED)) {
            RecordedGeneration rec = new RecordedGeneration();
            feed(rec, reason);
            assertTrue(rec.isComplete());
            assertFalse(rec.usable(), reason.name());
        }
        RecordedGeneration abandoned = new RecordedGeneration();
        Log follower = new Log();
        abandoned.subscribe(follower);
        abandoned.abandon("the engine refused the request");
        assertFalse(abandoned.usable());
        assertEquals(List.of("done:CANCELLED"), follower.events);
        abandoned.abandon("again"); // no-op once complete
        RecordedGeneration running = new RecordedGeneration();
        assertFalse(running.usable());
    }

    @Test
    void shouldDropAThrowingFollowerAndKeepServingTheOthers() {
        RecordedGeneration rec = new RecordedGeneration();
        Log before = new Log();
        Log after = new Log();
        rec.subscribe(before);
        AtomicInteger calls = new AtomicInteger();
        rec.subscribe(new GenerationListener() {
            @Override
            public void onText(String delta) {
                calls.incrementAndGet();
                throw new IllegalStateException("broken sink");
            }

            @Override
            public void onComplete(GenerationResult result) {
                calls.incrementAndGet();
            }
        });
        rec.subscribe(after);
        feed(rec, FinishReason.STOP); // the producer does not see the failure
        assertEquals(1, calls.get(), "dropped at its first throw");
        Log live = new Log();
        feed(live, FinishReason.STOP);
        assertEquals(live.events, before.events);
        assertEquals(live.events, after.events);
        assertTrue(rec.usable());
    }

    @Test
    void shouldCancelASubscription() {
        RecordedGeneration rec = new RecordedGeneration();
        Log follower = new Log();
        RecordedGeneration.Subscription s = rec.subscribe(follower);
        rec.onText("a");
        s.cancel();
        assertFalse(s.isActive());
        rec.onText("b");
        assertEquals(List.of("xa"), follower.events);
    }

    @Test
    void shouldWeighTextAndTokens() {
        RecordedGeneration rec = new RecordedGeneration();
        long empty = rec.weightBytes();
        rec.onText("x".repeat(1000));
        assertTrue(rec.weightBytes() >= empty + 2000);
        long withText = rec.weightBytes();
        rec.onComplete(result(FinishReason.STOP, null));
        assertTrue(rec.weightBytes() >= withText + 5 * 4);
    }

    @Test
    void shouldGiveEveryFollowerEveryEventOnceInOrderWhileTheProducerRaces() throws Exception {
        int events = 10_000;
        int followers = 8;
        AtomicInteger joinedWhileRunning = new AtomicInteger();
        for (int round = 0; round < 5; round++) {
            RecordedGeneration rec = new RecordedGeneration();
            Random random = new Random(round);
            int[] joinAt = new int[followers];
            for (int i = 0; i < followers; i++) {
                joinAt[i] = random.nextInt(events);
            }
            AtomicInteger produced = new AtomicInteger();
            CountDownLatch start = new CountDownLatch(1);
            Thread producer = Thread.ofPlatform().name("decode").start(() -> {
                await(start);
                for (int i = 0; i < events; i++) {
                    rec.onToken(i);
                    produced.set(i + 1);
                    for (int spin = 0; spin < 100; spin++) {
                        Thread.onSpinWait(); // a decode step takes time: leave followers room to join mid-way
                    }
                }
                rec.onComplete(new GenerationResult("r", FinishReason.STOP, USAGE, null));
            });
            List<Sequence> seen = new ArrayList<>();
            List<Thread> joiners = new ArrayList<>();
            for (int i = 0; i < followers; i++) {
                Sequence s = new Sequence();
                seen.add(s);
                int at = joinAt[i];
                joiners.add(Thread.ofPlatform().name("follower-" + i).start(() -> {
                    await(start);
                    while (produced.get() < at) {
                        Thread.onSpinWait(); // join at a random point of the generation
                    }
                    if (!rec.isComplete()) {
                        joinedWhileRunning.incrementAndGet();
                    }
                    rec.subscribe(s);
                }));
            }
            start.countDown();
            producer.join();
            for (Thread t : joiners) {
                t.join();
            }
            Eventually.until(Duration.ofSeconds(10), "every follower got the result",
                    () -> seen.stream().allMatch(s -> s.completed.get() == 1));
            for (Sequence s : seen) {
                assertNull(s.error, s.error);
                assertEquals(events, s.next, "every token once, none missing");
            }
        }
        assertTrue(joinedWhileRunning.get() > 0, "some followers joined while the producer was emitting");
    }

    /** Checks tokens arrive as 0, 1, 2, ...: a gap or a duplicate is recorded as the first error. */
    static final class Sequence implements GenerationListener {
        int next; // one delivering thread at a time (the recording's guarantee)
        String error;
        final AtomicInteger completed = new AtomicInteger();

        @Override
        public void onToken(int token) {
            if (token != next && error == null) {
                error = "expected token " + next + " but got " + token;
            }
            next = token + 1;
        }

        @Override
        public void onText(String delta) {}

        @Override
        public void onComplete(GenerationResult result) {
            completed.incrementAndGet();
        }
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
