package io.edgenode.server.live;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One session turn's output as an append-only log of encoded events, each with an id
 * ({@code <turn>:<seq>}), read by any number of watchers at their own pace. Written by the turn's
 * producer (the engine's decode thread for deltas, then whichever thread ends the turn; appends
 * are serialised), read by any thread without locks.
 *
 * <p>Why a log and not a fan-out of callbacks: every watcher (the client that sent the turn, a
 * client resuming with {@code Last-Event-ID}, each WebSocket client) needs the same events in the
 * same order and with the same ids, from wherever it joined; with a log, joining mid-turn or
 * resuming is only a cursor, and a slow watcher costs the producer nothing. The producer's cost
 * per event is one append and at most one task handed to the signalling executor, whatever the
 * number of watchers: the readers are signalled there, never on the decode thread.
 *
 * <p>Publication: the event array only grows and is replaced before {@code count} is raised, so a
 * reader that reads {@link #count()} first and then {@link #event} sees a complete event.
 */
public final class TurnLog {
    private static final System.Logger LOG = System.getLogger(TurnLog.class.getName());

    /** What an event is. A log starts with one STARTED and ends with one FINISHED or FAILED. */
    public enum Kind { STARTED, DELTA, FINISHED, FAILED }

    /**
     * One event. {@code payload}: STARTED the stream's first chunk (the role chunk; null when the
     * format has none), DELTA a chunk, FINISHED the finish chunk, FAILED the error object
     * ({@code {"error":{...}}}); all JSON. FINISHED also carries the usage chunk and the finish reason.
     */
    public static final class Event {
        private final int seq;
        private final Kind kind;
        private final String payload;
        private final String usage;
        private final String finishReason;
        private volatile byte[] webSocketFrame; // rendered once, by the first WebSocket reader (a benign race)

        Event(int seq, Kind kind, String payload, String usage, String finishReason) {
            this.seq = seq;
            this.kind = kind;
            this.payload = payload;
            this.usage = usage;
            this.finishReason = finishReason;
        }

        public int seq() {
            return seq;
        }

        public Kind kind() {
            return kind;
        }

        public String payload() {
            return payload;
        }

        public String usage() {
            return usage;
        }

        public String finishReason() {
            return finishReason;
        }

        public boolean isTerminal() {
            return kind == Kind.FINISHED || kind == Kind.FAILED;
        }
    }

    private final String sessionId;
    private final int turn;
    private final String requestId;
    private final String source;
    private final String inputJson;
    private final Executor signaller;
    private volatile Event[] events = new Event[64];
    private volatile int count;
    private volatile long completedAtNanos; // 0 while running
    private final CopyOnWriteArrayList<Runnable> readers = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Runnable> inlineReaders = new CopyOnWriteArrayList<>();
    private final AtomicBoolean signalPending = new AtomicBoolean();
    private Runnable onComplete = () -> { };  // guarded by this
    private Runnable canceller;               // guarded by this
    private boolean cancelRequested;          // guarded by this

    /**
     * @param source who sent the turn ({@code http} or {@code ws})
     * @param inputJson the turn's new messages as the client sent them (a JSON array)
     * @param signaller where readers are signalled (never the producer's thread)
     */
    public TurnLog(String sessionId, int turn, String requestId, String source, String inputJson, Executor signaller) {
        this.sessionId = Objects.requireNonNull(sessionId, "sessionId");
        this.turn = turn;
        this.requestId = Objects.requireNonNull(requestId, "requestId");
        this.source = Objects.requireNonNull(source, "source");
        this.inputJson = inputJson == null ? "[]" : inputJson;
        this.signaller = Objects.requireNonNull(signaller, "signaller");
    }

    public String sessionId() {
        return sessionId;
    }

    public int turn() {
        return turn;
    }

    public String requestId() {
        return requestId;
    }

    public String source() {
        return source;
    }

    public String inputJson() {
        return inputJson;
    }

    /** Events published so far. */
    public int count() {
        return count;
    }

    /** Event {@code i} (0 <= i < {@link #count()}). */
    public Event event(int i) {
        if (i >= count) {
            throw new IndexOutOfBoundsException(i + " >= " + count);
        }
        return events[i];
    }

    /** Whether the terminal event (FINISHED or FAILED) is published. */
    public boolean isComplete() {
        return completedAtNanos != 0;
    }

    /** {@code System.nanoTime()} when the turn ended; 0 while it runs. */
    long completedAtNanos() {
        return completedAtNanos;
    }

    /** The id of event {@code seq}: {@code <turn>:<seq>}. */
    public String eventId(int seq) {
        return turn + ":" + seq;
    }

    /**
     * The sequence number in {@code eventId} when it names an event of this turn, else -1 (another
     * turn, or not an id of ours).
     */
    public int seqOf(String eventId) {
        if (eventId == null) {
            return -1;
        }
        String id = eventId.strip();
        int colon = id.indexOf(':');
        if (colon <= 0 || !id.substring(0, colon).equals(Integer.toString(turn))) {
            return -1;
        }
        try {
            int seq = Integer.parseInt(id.substring(colon + 1));
            return seq >= 0 ? seq : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Producer: appends a STARTED, DELTA, FINISHED or FAILED event. Nothing is appended after the terminal one. */
    public void append(Kind kind, String payload, String usage, String finishReason) {
        Runnable completed = null;
        synchronized (this) {
            if (completedAtNanos != 0) {
                return; // a late failure after the turn ended: the log already says how it ended
            }
            int n = count;
            Event[] ev = events;
            if (n == ev.length) {
                ev = Arrays.copyOf(ev, n * 2);
                events = ev; // the bigger array before the count that needs it
            }
            ev[n] = new Event(n, kind, payload, usage, finishReason);
            if (kind == Kind.FINISHED || kind == Kind.FAILED) {
                completedAtNanos = Math.max(1, System.nanoTime());
                completed = onComplete;
                canceller = null;
            }
            count = n + 1;
        }
        signal();
        for (Runnable r : inlineReaders) {
            wake(r); // never let a reader's failure reach the producer (the decode thread)
        }
        if (completed != null) {
            wake(completed);
        }
    }

    /**
     * Registers a reader's wake-up: run (on the signalling executor) after events are appended. A
     * reader reads from its own cursor when woken; it is also responsible for its first read.
     */
    public void subscribe(Runnable reader) {
        readers.add(reader);
    }

    /**
     * Registers a reader woken on the producer's thread right after each append, without the hop
     * through the signalling executor: for the turn's sender, whose stream then gets its events as
     * soon as a stateless stream would. {@code reader} must only schedule work (never block, never
     * throw); the producer pays for it on every event, so only the sender's own stream is inline.
     */
    public void subscribeInline(Runnable reader) {
        inlineReaders.add(reader);
    }

    public void unsubscribe(Runnable reader) {
        readers.remove(reader);
        inlineReaders.remove(reader);
    }

    /** Readers currently subscribed. */
    public int readerCount() {
        return readers.size() + inlineReaders.size();
    }

    private void signal() {
        if (signalPending.compareAndSet(false, true)) {
            try {
                signaller.execute(this::signalReaders);
            } catch (RejectedExecutionException e) {
                signalPending.set(false); // the node is stopping; its connections are closing anyway
            }
        }
    }

    private void signalReaders() {
        signalPending.set(false); // before reading: an append from now on schedules another pass
        for (Runnable r : readers) {
            wake(r);
        }
    }

    private void wake(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) { // an event loop shutting down refuses the task: that reader is leaving
            LOG.log(System.Logger.Level.WARNING, "a reader of turn " + turn + " of " + sessionId + " failed", e);
        }
    }

    /** What ends the running generation (its handle's cancel); a cancel requested earlier runs it now. */
    public void canceller(Runnable cancel) {
        boolean now;
        synchronized (this) {
            if (completedAtNanos != 0) {
                return;
            }
            canceller = cancel;
            now = cancelRequested;
        }
        if (now) {
            cancel.run();
        }
    }

    /** Cancels the turn's generation (any thread; a no-op once the turn ended). */
    public void cancel() {
        Runnable c;
        synchronized (this) {
            if (completedAtNanos != 0) {
                return;
            }
            cancelRequested = true;
            c = canceller;
        }
        if (c != null) {
            c.run();
        }
    }

    /** Run once on the producer's thread after the terminal event is published. */
    synchronized void onComplete(Runnable r) {
        onComplete = Objects.requireNonNull(r, "r");
    }

    /** The cached WebSocket rendering of {@code e} (see {@link LiveMessages#turnEvent}). */
    public byte[] webSocketFrame(Event e) {
        byte[] f = e.webSocketFrame;
        if (f == null) {
            f = LiveMessages.turnEvent(this, e).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            e.webSocketFrame = f;
        }
        return f;
    }
}
