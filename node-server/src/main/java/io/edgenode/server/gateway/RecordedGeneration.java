package io.edgenode.server.gateway;

import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.GenerationListener;
import io.edgenode.core.engine.GenerationResult;
import io.edgenode.core.engine.TokenLogprobs;
import io.edgenode.core.engine.Usage;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One producer (the engine's decode thread of one generation), any number of subscribers on any
 * thread: the events of one generation (token ids, log-probabilities, text deltas, the result),
 * recorded in order so that they can be replayed into any {@link GenerationListener}, also while
 * the generation is still running. This is what the response cache stores and what the followers
 * of an identical in-flight request listen to.
 *
 * <p>The producer feeds it as a {@link GenerationListener}; it never blocks. Events are appended
 * to an array that only grows, published by a volatile count, so readers never lock. Each
 * subscriber has a cursor (the next event it gets) and a work-in-progress counter: whichever
 * thread finds the counter at zero (the producer after an append, or the subscribing thread
 * during its replay) delivers every event from the cursor up to the published count, and loops
 * while others signalled more. So a subscriber gets each event exactly once, in order, from one
 * thread at a time (the producer thread or the one that subscribed), and a subscriber that is
 * still replaying never holds the producer up. Invariant: the producer publishes the count before
 * it reads the subscriber list, and {@link #subscribe} adds to that list before it reads the
 * count (both volatile), so an event appended while a subscriber joins is delivered by at least
 * one of them, and the counter makes "at least one" exactly one.
 *
 * <p>A subscriber that throws is dropped (logged once); the producer and the other subscribers
 * go on. Subscribers are {@link GenerationListener}s and so must not block: the producer thread
 * may call them.
 *
 * <p>The result is kept without its {@link GenerationResult#kv() KV state}: that is native
 * memory owned by whoever consumes the producer's result, never by a recording (and a cacheable
 * request never asks for it). A generation that ended with ERROR or CANCELLED, or was
 * {@link #abandon abandoned}, is not {@link #usable()}: its subscribers get that ending replayed,
 * and the cache never stores it.
 *
 * <p>Rule 6 (no allocation per token) is relaxed here on purpose: recording is the point; it
 * costs one boxed token and one array slot per event, and only cacheable requests are recorded.
 */
public final class RecordedGeneration implements GenerationListener {
    private static final System.Logger LOG = System.getLogger(RecordedGeneration.class.getName());
    private static final int INITIAL_CAPACITY = 64;
    private static final Usage NO_USAGE = new Usage(0, 0, 0, 0, 0, 0, 0);
    /** Per-recording overhead in {@link #weightBytes()}: this object, its array, the future, a cache entry. */
    static final long OVERHEAD_BYTES = 256;
    /** Per event: the array slot and the event object's header. */
    static final long EVENT_BYTES = 24;

    // Producer-written, read by any thread. events is replaced (grown) before count is raised,
    // so a reader that read count first and events second always sees an array that long.
    private volatile Object[] events = new Object[INITIAL_CAPACITY];
    private volatile int count;
    private final CopyOnWriteArrayList<Subscription> subscribers = new CopyOnWriteArrayList<>();
    private final CompletableFuture<GenerationResult> completion = new CompletableFuture<>();
    private final AtomicInteger completions = new AtomicInteger(); // onComplete or abandon: only the first counts

    // Producer-only: the running weight, published with the result (weightBytes is read after completion).
    private long textChars;
    private long tokens;
    private long logprobEntries;
    private volatile long weight = OVERHEAD_BYTES;

    /** What {@link #subscribe} returns: lets a follower stop listening (its client left). */
    public static final class Subscription {
        private final GenerationListener listener;
        private final RecordedGeneration source;
        private final AtomicInteger wip = new AtomicInteger();
        private int cursor; // touched only by the thread that holds wip
        private volatile boolean cancelled;

        private Subscription(GenerationListener listener, RecordedGeneration source) {
            this.listener = listener;
            this.source = source;
        }

        /** Stops delivery (any thread; idempotent). An event being delivered now may still arrive. */
        public void cancel() {
            cancelled = true;
            source.subscribers.remove(this);
        }

        /** Whether events are still delivered: not cancelled, not dropped, not yet past the result. */
        public boolean isActive() {
            return !cancelled;
        }

        /** Delivers every published event past the cursor; see the class comment for why this is exactly once. */
        void drain() {
            if (wip.getAndIncrement() != 0) {
                return; // the thread delivering now sees our signal and loops
            }
            int missed = 1;
            do {
                int n = source.count;
                Object[] ev = source.events;
                while (cursor < n && !cancelled) {
                    Object e = ev[cursor++];
                    try {
                        deliver(listener, e);
                    } catch (RuntimeException | Error t) {
                        LOG.log(System.Logger.Level.WARNING, "a follower of a recorded generation failed; dropped", t);
                        cancel();
                        return; // wip stays raised: nobody delivers to a dropped subscriber again
                    }
                    if (e instanceof GenerationResult) {
                        cancel(); // the last event: nothing more will come
                    }
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }
    }

    /**
     * Replays every event so far into {@code listener}, then forwards the live ones in order,
     * exactly once each, until the result. The replay runs on the calling thread; later events
     * may arrive on the producer thread. Subscribing to a completed recording is a full replay.
     * A listener that throws (during the replay too) is dropped: the exception is logged, not
     * rethrown, and the returned subscription is no longer {@link Subscription#isActive() active}.
     */
    public Subscription subscribe(GenerationListener listener) {
        Objects.requireNonNull(listener, "listener");
        Subscription s = new Subscription(listener, this);
        subscribers.add(s); // before reading count: see the class comment
        s.drain();
        return s;
    }

    /** Replays the whole recording into {@code listener} on this thread; the recording must be complete. */
    public void replay(GenerationListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (!isComplete()) {
            throw new IllegalStateException("the generation is still running: subscribe to follow it");
        }
        int n = count;
        Object[] ev = events;
        for (int i = 0; i < n; i++) {
            deliver(listener, ev[i]);
        }
    }

    @Override
    public void onToken(int token) {
        tokens++;
        append(token);
    }

    @Override
    public void onLogprobs(TokenLogprobs logprobs) {
        logprobEntries += 1 + logprobs.topTokens().length;
        append(logprobs);
    }

    @Override
    public void onText(String delta) {
        textChars += delta.length();
        append(delta);
    }

    /** Records the result without its KV state (which stays with the producer's own consumer). */
    @Override
    public void onComplete(GenerationResult result) {
        Objects.requireNonNull(result, "result");
        finish(new GenerationResult(result.requestId(), result.finishReason(), result.usage(), result.error(),
                result.tokens(), result.stopString(), null), false);
    }

    /**
     * Ends a recording whose generation will never run or complete (the engine refused it, the
     * leader's request failed before submit): its subscribers get a CANCELLED ending and the cache
     * drops it. Any thread, but only when the producer is not feeding it; no-op once complete.
     */
    public void abandon(String why) {
        finish(new GenerationResult("", FinishReason.CANCELLED, NO_USAGE, Objects.requireNonNull(why, "why")), true);
    }

    /** Whether the result has been recorded. */
    public boolean isComplete() {
        return completion.isDone();
    }

    /** Whether this recording may be served again: complete, and ended with STOP or LENGTH. */
    public boolean usable() {
        GenerationResult r = completion.getNow(null);
        return r != null && (r.finishReason() == FinishReason.STOP || r.finishReason() == FinishReason.LENGTH);
    }

    /**
     * Completes, on the producer thread, with the recorded result (without KV state) once it is
     * published; a subscriber still replaying on its own thread may get it a moment later.
     */
    public CompletableFuture<GenerationResult> completion() {
        return completion.copy();
    }

    /** The subscribers still listening (a leader may keep generating for them after its own client left). */
    public int followerCount() {
        return subscribers.size();
    }

    /** Events recorded so far. */
    public int eventCount() {
        return count;
    }

    /**
     * An estimate of the heap this recording holds, for the cache's byte bound: text at two bytes a
     * char, token ids and the result's tokens at four, log-probability entries at eight, plus
     * {@link #EVENT_BYTES} an event and {@link #OVERHEAD_BYTES}. Stable once complete.
     */
    public long weightBytes() {
        return weight;
    }

    private void finish(GenerationResult stripped, boolean abandoning) {
        if (completions.getAndIncrement() != 0) {
            if (abandoning) {
                return; // abandon after the end: a no-op by contract
            }
            throw new IllegalStateException("a generation completes once");
        }
        append(stripped);
        completion.complete(stripped);
    }

    private void append(Object event) {
        if (completions.get() != 0 && !(event instanceof GenerationResult)) {
            throw new IllegalStateException("event after the generation's result");
        }
        int n = count;
        Object[] ev = events;
        if (n == ev.length) {
            ev = Arrays.copyOf(ev, n * 2);
            events = ev; // publish the bigger array before the count that needs it
        }
        ev[n] = event;
        weight = weightOf(event);
        count = n + 1; // publishes the event (and the array) to readers
        for (Subscription s : subscribers) {
            s.drain();
        }
    }

    private long weightOf(Object event) {
        long resultTokens = event instanceof GenerationResult r ? r.tokens().length : 0;
        return OVERHEAD_BYTES + (long) (count + 1) * EVENT_BYTES + textChars * 2 + (tokens + resultTokens) * 4
                + logprobEntries * 8;
    }

    private static void deliver(GenerationListener l, Object e) {
        switch (e) {
            case Integer token -> l.onToken(token);
            case String text -> l.onText(text);
            case TokenLogprobs lp -> l.onLogprobs(lp);
            case GenerationResult r -> l.onComplete(r);
            default -> throw new IllegalStateException("unknown event " + e.getClass());
        }
    }
}
