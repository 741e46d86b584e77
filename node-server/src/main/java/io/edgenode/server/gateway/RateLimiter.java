package io.edgenode.server.gateway;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Requests-per-minute and tokens-per-minute token buckets (Bucket4j) per key, or per key and
 * {@code user} when the key's limits are per user (each user of the key then has the limits; a
 * request without a {@code user} counts against the key's own buckets). Each bucket
 * holds the per-minute limit and refills greedily (continuously, a sixtieth of the limit per
 * second), as OpenAI's limits behave. A request takes one request token when admitted, then
 * reserves its prompt plus its completion cap in tokens; the unused part is refunded when it
 * ends, and a response that used more (cannot happen with a cap, but a guard costs nothing) is
 * charged the rest. Thread-safe: Bucket4j's local buckets are lock-free; buckets live in a bounded
 * Caffeine cache and expire after 10 idle minutes (a full bucket is what a new one would be, so
 * forgetting an idle one loses nothing that matters).
 */
public final class RateLimiter {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    /** One identity's two buckets (either may be null: no such limit). */
    private record Buckets(Bucket requests, Bucket tokens, long rpm, long tpm) {}

    /** The outcome of admitting one request. */
    public record RequestPermit(boolean granted, long retryAfterNanos, RateLimitStatus status, ApiKey key,
            String user) {}

    /** Tokens reserved for a request (settle exactly once; later calls do nothing). */
    public static final class TokenReservation {
        private final boolean granted;
        private final String refusal;
        private final long retryAfterNanos;
        private final RateLimitStatus status;
        private final long reserved;
        private final Bucket keyTokens;
        private final Bucket userTokens;
        private final AtomicBoolean settled = new AtomicBoolean();

        private TokenReservation(boolean granted, String refusal, long retryAfterNanos, RateLimitStatus status,
                long reserved, Bucket keyTokens, Bucket userTokens) {
            this.granted = granted;
            this.refusal = refusal;
            this.retryAfterNanos = retryAfterNanos;
            this.status = status;
            this.reserved = reserved;
            this.keyTokens = keyTokens;
            this.userTokens = userTokens;
        }

        public boolean granted() {
            return granted;
        }

        /** Why it was refused (for the 429's message), or null. */
        public String refusal() {
            return refusal;
        }

        public long retryAfterNanos() {
            return retryAfterNanos;
        }

        public RateLimitStatus status() {
            return status;
        }

        public long reserved() {
            return reserved;
        }
    }

    private final TimeMeter clock;
    private final Cache<String, Buckets> buckets;

    public RateLimiter() {
        this(TimeMeter.SYSTEM_NANOTIME);
    }

    /** With {@code clock} driving refills (tests pass a {@link NanoTimeMeter} over a fake clock). */
    public RateLimiter(TimeMeter clock) {
        this.clock = clock;
        this.buckets = Caffeine.newBuilder().maximumSize(200_000).expireAfterAccess(Duration.ofMinutes(10)).build();
    }

    /** Takes one request token from the key's (and the user's) bucket, or nothing when either is empty. */
    public RequestPermit admitRequest(ApiKey key, String user) {
        KeyLimits l = key.limits();
        Buckets k = identity(key, user);
        Buckets u = null;
        if (l.requestsPerMinute() > 0) {
            // Take from the user's bucket first: a refused key-wide take gives it back, so one noisy
            // user never dents the key-wide bucket for the others even briefly.
            ConsumptionProbe up = u == null ? null : u.requests().tryConsumeAndReturnRemaining(1);
            if (up != null && !up.isConsumed()) {
                return new RequestPermit(false, up.getNanosToWaitForRefill(), status(k, u), key, user);
            }
            ConsumptionProbe kp = k.requests().tryConsumeAndReturnRemaining(1);
            if (!kp.isConsumed()) {
                if (up != null) {
                    u.requests().addTokens(1);
                }
                return new RequestPermit(false, kp.getNanosToWaitForRefill(), status(k, u), key, user);
            }
        }
        return new RequestPermit(true, 0, status(k, u), key, user);
    }

    /** Reserves {@code tokens} for an admitted request (granted at once when the key has no token limit). */
    public TokenReservation reserveTokens(RequestPermit permit, long tokens) {
        KeyLimits l = permit.key().limits();
        Buckets k = identity(permit.key(), permit.user());
        Buckets u = null;
        if (l.tokensPerMinute() == 0) {
            return new TokenReservation(true, null, 0, status(k, u), 0, null, null);
        }
        if (tokens > l.tokensPerMinute()) {
            return new TokenReservation(false, "Request too large: it may use " + tokens + " tokens (prompt plus"
                    + " max_tokens), more than this key's limit of " + l.tokensPerMinute() + " tokens per minute."
                    + " Lower max_tokens or shorten the prompt.", 0, status(k, u), 0, null, null);
        }
        ConsumptionProbe up = u == null ? null : u.tokens().tryConsumeAndReturnRemaining(tokens);
        if (up != null && !up.isConsumed()) {
            return refusedTokens(tokens, up.getNanosToWaitForRefill(), k, u, l);
        }
        ConsumptionProbe kp = k.tokens().tryConsumeAndReturnRemaining(tokens);
        if (!kp.isConsumed()) {
            if (up != null) {
                u.tokens().addTokens(tokens);
            }
            return refusedTokens(tokens, kp.getNanosToWaitForRefill(), k, u, l);
        }
        return new TokenReservation(true, null, 0, status(k, u), tokens, k.tokens(), u == null ? null : u.tokens());
    }

    private TokenReservation refusedTokens(long tokens, long wait, Buckets k, Buckets u, KeyLimits l) {
        return new TokenReservation(false, "Rate limit reached for tokens: this request may use " + tokens
                + " tokens (prompt plus max_tokens) and the key's limit is " + l.tokensPerMinute() + " per minute."
                + " Try again in " + RateLimitHeaders.duration(wait) + ".", wait, status(k, u), 0, null, null);
    }

    /**
     * The request ended having used {@code used} tokens: refunds the rest of its reservation (never
     * above a bucket's capacity) or charges what it used beyond it. Idempotent.
     */
    public void settle(TokenReservation r, long used) {
        if (r == null || !r.granted || r.keyTokens == null || !r.settled.compareAndSet(false, true)) {
            return;
        }
        long unused = r.reserved - Math.max(0, used);
        for (Bucket b : new Bucket[] {r.keyTokens, r.userTokens}) {
            if (b == null) {
                continue;
            }
            if (unused > 0) {
                b.addTokens(unused);
            } else if (unused < 0) {
                b.consumeIgnoringRateLimits(-unused);
            }
        }
    }

    /** The key's (and user's) figures now, for headers: the tighter of the two of each kind. */
    public RateLimitStatus status(ApiKey key, String user) {
        return status(identity(key, user), null);
    }

    /** Whose buckets a request uses: the key's, or with per-user limits its user's. */
    private Buckets identity(ApiKey key, String user) {
        KeyLimits l = key.limits();
        boolean perUser = l.perUser() && user != null && !user.isEmpty();
        return buckets(perUser ? key.id() + "\u0000u:" + user : key.id(), l);
    }

    private Buckets buckets(String identity, KeyLimits l) {
        // The limits are part of the name: a key whose limits were changed gets fresh buckets at once.
        String name = identity + "\u0000" + l.requestsPerMinute() + "/" + l.tokensPerMinute();
        return buckets.get(name, n -> new Buckets(bucket(l.requestsPerMinute()), bucket(l.tokensPerMinute()),
                l.requestsPerMinute(), l.tokensPerMinute()));
    }

    private Bucket bucket(long perMinute) {
        if (perMinute == 0) {
            return null;
        }
        return Bucket.builder().addLimit(b -> b.capacity(perMinute).refillGreedy(perMinute, MINUTE))
                .withCustomTimePrecision(clock).build();
    }

    private static RateLimitStatus status(Buckets k, Buckets u) {
        long[] req = figures(k.requests(), k.rpm(), u == null ? null : u.requests());
        long[] tok = figures(k.tokens(), k.tpm(), u == null ? null : u.tokens());
        return new RateLimitStatus(k.rpm(), req[0], req[1], k.tpm(), tok[0], tok[1]);
    }

    /** {remaining, nanos until full} of the tighter bucket. */
    private static long[] figures(Bucket key, long perMinute, Bucket user) {
        if (key == null) {
            return new long[] {0, 0};
        }
        long remaining = key.getAvailableTokens();
        if (user != null) {
            remaining = Math.min(remaining, user.getAvailableTokens());
        }
        long clamped = Math.max(0, remaining);
        long reset = (long) ((perMinute - clamped) * (MINUTE.toNanos() / (double) perMinute));
        return new long[] {clamped, Math.max(0, reset)};
    }
}
