package io.edgenode.server.gateway;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.edgenode.server.config.GatewaySettings;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.LongAdder;

/**
 * Thread-safe: the exact response cache, with single flight. Completed recordings live in a
 * Caffeine cache bounded by their {@link RecordedGeneration#weightBytes() weight} (at most
 * {@code max_bytes} together) and each expires after its own ttl; recordings still being
 * generated live in an in-flight map beside it, so that identical concurrent requests cause one
 * generation: the first is a {@link Miss} (it feeds the recording from its generation), the
 * others {@link Follow} it (subscribe and get every event, replayed then live).
 *
 * <p>A leader's recording is moved into the cache when it completes usable (STOP or LENGTH), on
 * the thread that completes it (the engine's decode thread: one map removal and one Caffeine
 * write, whose maintenance runs on {@code executor}). One that fails, is cancelled or
 * {@link RecordedGeneration#abandon abandoned} is dropped, never cached. Its followers get its
 * ending replayed (ERROR or CANCELLED, with the leader's message), which is the simplest safe
 * behaviour: a follower never waits on nothing and never gets a reply the leader did not get. A
 * follower that has sent nothing to its client yet may {@link #lookup} again instead: the failed
 * recording is gone, so that lookup is a miss and runs its own generation. A leader whose own
 * client leaves while it has followers ({@link RecordedGeneration#followerCount()}) is the
 * caller's call: cancelling it ends the followers' replies too.
 *
 * <p>Invariant: a key is never both in flight and usable in the cache for a caller to miss. The
 * commit puts into the cache before it removes from the in-flight map, and a lookup reads both
 * inside the in-flight map's {@code compute} for that key, which the removal also locks; so a
 * lookup sees the recording in one place or the other, never in neither. Recordings in flight
 * are not counted in {@code max_bytes}: they are bounded by the engine's sequences and each
 * one's token limit.
 */
public final class ResponseCache {
    private final Cache<String, Entry> entries;
    private final ConcurrentHashMap<String, RecordedGeneration> inFlight = new ConcurrentHashMap<>();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder follows = new LongAdder();
    private final LongAdder bypasses = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder expirations = new LongAdder();

    /** What {@link #lookup} found. */
    public sealed interface Lookup permits Hit, Follow, Miss {
        RecordedGeneration recording();
    }

    /** A complete, usable recording: replay it. */
    public record Hit(RecordedGeneration recording) implements Lookup {}

    /** An identical request is generating: subscribe to its recording. */
    public record Follow(RecordedGeneration recording) implements Lookup {}

    /**
     * Nothing cached or in flight: generate, feeding {@code recording} (a listener on the
     * generation, beside the caller's own), or {@link RecordedGeneration#abandon abandon} it when
     * the generation never runs. Until one of those, every identical request follows it.
     */
    public record Miss(RecordedGeneration recording) implements Lookup {}

    /** Counters for the metrics; {@code bytes} and {@code entries} are the cache's now. */
    public record Stats(long hits, long misses, long follows, long bypasses, long evictions, long expirations,
            long entries, long bytes, int inFlight) {}

    /** A stored recording and the lifetime its leader asked for. */
    private record Entry(RecordedGeneration recording, long ttlNanos) {}

    public ResponseCache(GatewaySettings.Cache settings) {
        this(settings, Ticker.systemTicker(), ForkJoinPool.commonPool());
    }

    /** With a clock and Caffeine's maintenance executor (tests: a fake ticker and {@code Runnable::run}). */
    public ResponseCache(GatewaySettings.Cache settings, Ticker ticker, Executor executor) {
        Objects.requireNonNull(settings, "settings");
        this.entries = Caffeine.newBuilder()
                .maximumWeight(settings.maxBytes())
                .weigher((String k, Entry e) -> (int) Math.min(Integer.MAX_VALUE, e.recording().weightBytes()))
                .expireAfter(new Expiry<String, Entry>() {
                    @Override
                    public long expireAfterCreate(String key, Entry e, long now) {
                        return e.ttlNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String key, Entry e, long now, long current) {
                        return e.ttlNanos();
                    }

                    @Override
                    public long expireAfterRead(String key, Entry e, long now, long current) {
                        return current; // a hit does not extend an entry's life
                    }
                })
                .ticker(Objects.requireNonNull(ticker, "ticker"))
                .executor(Objects.requireNonNull(executor, "executor"))
                .removalListener((String k, Entry e, RemovalCause cause) -> {
                    if (cause == RemovalCause.SIZE) {
                        evictions.increment();
                    } else if (cause == RemovalCause.EXPIRED) {
                        expirations.increment();
                    }
                })
                .build();
    }

    /**
     * Finds {@code key} (see {@link CacheKeys}): a {@link Hit}, a {@link Follow} of the identical
     * request in flight, or a {@link Miss} whose new recording is visible to followers at once
     * and is stored for {@code ttl} once it completes usable.
     */
    public Lookup lookup(String key, Duration ttl) {
        Objects.requireNonNull(key, "key");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive");
        }
        Lookup[] found = new Lookup[1];
        inFlight.compute(key, (k, current) -> {
            if (current != null && !(current.isComplete() && !current.usable())) {
                // In flight, or just completed and about to move into the cache: either way it is
                // the reply; a failed one about to be dropped is replaced by a new leader below.
                found[0] = current.isComplete() ? new Hit(current) : new Follow(current);
                return current;
            }
            Entry cached = entries.getIfPresent(k);
            if (cached != null) {
                found[0] = new Hit(cached.recording());
                return null;
            }
            RecordedGeneration leader = new RecordedGeneration();
            found[0] = new Miss(leader);
            return leader;
        });
        Lookup result = found[0];
        switch (result) {
            case Hit h -> hits.increment();
            case Follow f -> follows.increment();
            case Miss m -> {
                misses.increment();
                long ttlNanos = nanos(ttl);
                m.recording().completion().whenComplete((r, t) -> settle(key, m.recording(), ttlNanos));
            }
        }
        return result;
    }

    /** Counts a request the policy sent past the cache. */
    public void recordBypass() {
        bypasses.increment();
    }

    /** Drops every stored entry (an operator's purge; recordings in flight finish and are stored). */
    public void invalidateAll() {
        entries.invalidateAll();
    }

    public Stats stats() {
        long bytes = entries.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
        return new Stats(hits.sum(), misses.sum(), follows.sum(), bypasses.sum(), evictions.sum(), expirations.sum(),
                entries.estimatedSize(), bytes, inFlight.size());
    }

    /** Runs Caffeine's pending maintenance (evictions, expirations) now; tests and the metrics scrape. */
    public void cleanUp() {
        entries.cleanUp();
    }

    /** {@code ttl} in nanoseconds, saturated: Caffeine reads Long.MAX_VALUE as "never". */
    private static long nanos(Duration ttl) {
        try {
            return ttl.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Moves a completed leader into the cache, or drops it; on the completing thread. */
    private void settle(String key, RecordedGeneration recording, long ttlNanos) {
        if (recording.usable()) {
            entries.put(key, new Entry(recording, ttlNanos)); // before the removal: see the invariant
        }
        inFlight.remove(key, recording);
    }
}
