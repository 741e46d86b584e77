package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Budgets: holds, settlement, the overshoot bound under concurrency, restart and period rollover. */
class BudgetBookTest {
    static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

    static ApiKey key(long limit, long perUser, BudgetPeriod period) {
        return new ApiKey("k1", "test", KeyScopes.DEFAULT, new KeyLimits(0, 0, false, new Budget(limit, perUser,
                period)), Instant.EPOCH, null);
    }

    @Test
    void shouldHoldTheMaximumAndChargeTheRealCost() {
        BudgetBook book = new BudgetBook((k, u, since) -> 0);
        ApiKey k = key(1000, 0, BudgetPeriod.DAY);
        BudgetBook.BudgetHold a = book.reserve(k, null, 600, NOW);
        assertTrue(a.granted());
        assertFalse(book.reserve(k, null, 600, NOW).granted(), "600 held + 600 > 1000");
        book.settle(a, 100);
        book.settle(a, 100); // idempotent
        assertEquals(new BudgetBook.BudgetStatus(1000, 100, 0), book.status(k, null, NOW));
        assertTrue(book.reserve(k, null, 900, NOW).granted());
    }

    @Test
    void shouldOvershootByAtMostOneRequestsMaximumUnderTwentyConcurrentRequests() throws Exception {
        for (boolean exact : new boolean[] {true, false}) {
            BudgetBook book = new BudgetBook((k, u, since) -> 0);
            ApiKey k = key(10_000, 0, BudgetPeriod.TOTAL);
            long max = 700;
            AtomicLong spent = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            for (int t = 0; t < 20; t++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < 50; i++) {
                        BudgetBook.BudgetHold h = book.reserve(k, null, max, NOW);
                        if (h.granted()) {
                            long cost = exact ? max : ThreadLocalRandom.current().nextLong(max + 1);
                            spent.addAndGet(cost);
                            book.settle(h, cost);
                        }
                    }
                }));
            }
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
            assertTrue(spent.get() <= 10_000, "never above the limit when each request costs its maximum: " + spent);
            assertEquals(spent.get(), book.status(k, null, NOW).spentNanoUsd());
            if (exact) {
                assertTrue(spent.get() > 10_000 - max, "the budget is used up to within one request: " + spent);
            }
        }
    }

    @Test
    void shouldRestartFromTheLedgerAndStartAFreshPeriod() {
        List<Instant> asked = new ArrayList<>();
        BudgetBook book = new BudgetBook((k, u, since) -> {
            asked.add(since);
            return since.equals(Instant.parse("2026-12-02T00:00:00Z")) ? 950 : 0;
        });
        ApiKey k = key(1000, 0, BudgetPeriod.DAY);
        assertFalse(book.reserve(k, null, 100, NOW).granted(), "950 spent today before the restart");
        assertTrue(book.reserve(k, null, 100, NOW.plusSeconds(86_400)).granted(), "tomorrow starts at 0");
        assertEquals(List.of(Instant.parse("2026-12-02T00:00:00Z"), Instant.parse("2026-12-03T00:00:00Z")), asked);
    }

    @Test
    void shouldRefuseAUserOverItsOwnBudgetWithoutNamingOthersFigures() {
        BudgetBook book = new BudgetBook((k, u, since) -> 0);
        ApiKey k = key(0, 500, BudgetPeriod.MONTH);
        BudgetBook.BudgetHold a = book.reserve(k, "alice", 400, NOW);
        book.settle(a, 400);
        BudgetBook.BudgetHold again = book.reserve(k, "alice", 400, NOW);
        assertFalse(again.granted());
        assertEquals("This user exceeded its month budget on this API key.", again.refusal());
        assertTrue(book.reserve(k, "bob", 400, NOW).granted(), "bob has his own 500");
    }
}
