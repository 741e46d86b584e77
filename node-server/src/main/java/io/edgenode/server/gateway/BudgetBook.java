package io.edgenode.server.gateway;

import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Spending per key (and per key and {@code user}) over each budget's period, in nano-dollars.
 * A request holds its maximum cost while it runs and is charged its real cost when it ends; it is
 * admitted only when {@code spent + held + maxCost <= limit}, so however many run at once the
 * spending can pass the limit only by what a request costs beyond its own maximum (nothing when
 * the maximum is exact; the compute part is an estimate, see {@code Gateway}).
 *
 * <p>What was spent survives a restart: an account's spending for its period is loaded from the
 * ledger ({@link SpentLoader}) the first time the account is used in that period. Thread-safe:
 * each account is guarded by its own monitor; a request with a per-user budget takes the key's
 * account first, then the user's (always that order, so two never deadlock).
 */
public final class BudgetBook {
    /** What was spent by a key (and a user of it, or null for the key as a whole) since a time. */
    @FunctionalInterface
    public interface SpentLoader {
        long spentNanoUsd(String keyId, String user, Instant since);
    }

    private static final class Account {
        final String keyId;
        final String user;
        Instant periodStart;
        long spent;
        long held;

        Account(String keyId, String user) {
            this.keyId = keyId;
            this.user = user;
        }
    }

    /** A request's hold on its budgets: settle it exactly once (later calls do nothing). */
    public static final class BudgetHold {
        private final boolean granted;
        private final String refusal;
        private final long amount;
        private final Account key;
        private final Account user;
        private final AtomicBoolean settled = new AtomicBoolean();

        private BudgetHold(boolean granted, String refusal, long amount, Account key, Account user) {
            this.granted = granted;
            this.refusal = refusal;
            this.amount = amount;
            this.key = key;
            this.user = user;
        }

        public boolean granted() {
            return granted;
        }

        public String refusal() {
            return refusal;
        }
    }

    /** One account's figures (the admin view). */
    public record BudgetStatus(long limitNanoUsd, long spentNanoUsd, long heldNanoUsd) {}

    private final SpentLoader loader;
    private final ConcurrentHashMap<String, Account> accounts = new ConcurrentHashMap<>();

    public BudgetBook(SpentLoader loader) {
        this.loader = loader;
    }

    /** Holds {@code maxCost} against the key's (and the user's) budget, or refuses without holding anything. */
    public BudgetHold reserve(ApiKey key, String user, long maxCost, Instant now) {
        Budget b = key.limits().budget();
        if (!b.isLimited()) {
            return new BudgetHold(true, null, 0, null, null);
        }
        Instant start = b.period().start(now);
        Account k = b.limitNanoUsd() > 0 ? account(key.id(), null) : null;
        Account u = b.perUserNanoUsd() > 0 && user != null && !user.isEmpty() ? account(key.id(), user) : null;
        Object first = k != null ? k : new Object();
        synchronized (first) {
            Object second = u != null ? u : new Object();
            synchronized (second) {
                if (k != null && !fits(k, start, b.limitNanoUsd(), maxCost)) {
                    return new BudgetHold(false, "You exceeded this API key's " + b.period().wireName()
                            + " budget. Wait for the next period or ask the operator to raise it.", 0, null, null);
                }
                if (u != null && !fits(u, start, b.perUserNanoUsd(), maxCost)) {
                    return new BudgetHold(false, "This user exceeded its " + b.period().wireName()
                            + " budget on this API key.", 0, null, null);
                }
                if (k != null) {
                    k.held += maxCost;
                }
                if (u != null) {
                    u.held += maxCost;
                }
            }
        }
        return new BudgetHold(true, null, maxCost, k, u);
    }

    /** The request cost {@code actual}: its hold is released and the cost counted. Idempotent. */
    public void settle(BudgetHold h, long actual) {
        if (h == null || !h.granted || !h.settled.compareAndSet(false, true)) {
            return;
        }
        for (Account a : new Account[] {h.key, h.user}) {
            if (a != null) {
                synchronized (a) {
                    a.held -= h.amount;
                    a.spent += Math.max(0, actual);
                }
            }
        }
    }

    /** The key's (user null) or a user's figures in the period holding {@code now}. */
    public BudgetStatus status(ApiKey key, String user, Instant now) {
        Budget b = key.limits().budget();
        Account a = account(key.id(), user);
        synchronized (a) {
            roll(a, b.period().start(now));
            return new BudgetStatus(user == null ? b.limitNanoUsd() : b.perUserNanoUsd(), a.spent, a.held);
        }
    }

    private Account account(String keyId, String user) {
        return accounts.computeIfAbsent(keyId + "\u0000" + (user == null ? "" : "u:" + user),
                n -> new Account(keyId, user));
    }

    /** Holding the account's monitor. */
    private boolean fits(Account a, Instant start, long limit, long maxCost) {
        roll(a, start);
        return a.spent + a.held + maxCost <= limit;
    }

    /** Holding the account's monitor: a new period starts from what the ledger says was spent in it. */
    private void roll(Account a, Instant start) {
        if (!start.equals(a.periodStart)) {
            a.spent = loader.spentNanoUsd(a.keyId, a.user, start);
            a.periodStart = start;
        }
    }
}
