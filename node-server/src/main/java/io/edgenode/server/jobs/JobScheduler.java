package io.edgenode.server.jobs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The owner of time for schedules: {@link #tick()} runs on one thread, the {@code edgenode-jobs} virtual thread
 * started by {@link #start()} (or a test's thread driving a fake clock); {@link #add}, {@link #remove} and run
 * completions come from any thread and meet it under one lock.
 *
 * <p><b>Memory.</b> Active schedules sit in one ordered set by next due time (O(log n) to add, remove or take the
 * earliest), plus a map by id: 10,000 pending schedules are two small objects each, with no thread or timer per
 * schedule. A schedule whose run is in flight is out of the set ("busy") and goes back when the run finishes, so
 * one schedule never overlaps itself.
 *
 * <p><b>One due.</b> {@code tick} takes the due schedules in due order while fewer than {@code maxConcurrentRuns}
 * actions run, and for each calls {@link ScheduleStore#begin} (the run is durable, the schedule advanced) and then
 * starts the {@link JobAction}, never waiting for it. The next due is the first after {@code max(due, now)}: on
 * the fixed grid of the cadence (no drift), and one late run does not cause a burst of catch-up runs. When the
 * action's stage completes, {@link ScheduleStore#finish} runs on the {@code finisher} executor (a virtual thread:
 * the completing thread may be an event loop) and the slot is released.
 *
 * <p><b>Restart.</b> {@link #recover()} retries each unfinished run once, with the same run id (attempt 2), and
 * abandons as FAILED one already at attempt 2: at least once, bounded. A schedule whose due passed while the node was
 * down fires once at the first tick ({@code run_once}) or records the due as SKIPPED and waits for the next due after
 * now ({@code skip}).
 *
 * <p><b>Clock.</b> A clock set back fires nothing twice: a fired schedule's next due is after the due it fired, and
 * {@code begin} refuses a due that is no longer the schedule's next.
 */
public final class JobScheduler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(JobScheduler.class.getName());
    /** The longest the thread sleeps without looking at the clock: a clock set forward is noticed within it. */
    static final long MAX_WAIT_MILLIS = 60_000;
    /** How long a schedule waits before its due is tried again after the store failed. */
    static final long STORE_RETRY_MILLIS = 5_000;

    /** A queued schedule; {@code wakeAt} is its due, or later after a store failure. */
    private record Entry(Schedule schedule, Cadence cadence, long wakeAt) {}

    private static final Comparator<Entry> BY_WAKE =
            Comparator.comparingLong(Entry::wakeAt).thenComparing(e -> e.schedule().id());

    private final ScheduleStore store;
    private final JobAction action;
    private final JobClock clock;
    private final int maxConcurrentRuns;
    private final JobMetrics metrics;
    private final Executor finisher;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    /** Guarded by lock: schedules waiting for their due, not busy. */
    private final TreeSet<Entry> queue = new TreeSet<>(BY_WAKE);
    /** Guarded by lock: every known active schedule, queued or busy. */
    private final Map<String, Entry> byId = new HashMap<>();
    /** Guarded by lock: ids of schedules whose run is in flight. */
    private final Set<String> busy = new HashSet<>();
    /** Guarded by lock: unfinished runs found by recover() waiting for a slot; bounded by what the store held. */
    private final ArrayDeque<ScheduleRun> retries = new ArrayDeque<>();
    /** Guarded by lock. */
    private int running;
    /** Guarded by lock: something changed since the thread last looked. */
    private boolean poked;
    private volatile boolean closed;
    private Thread thread;

    /**
     * @param finisher runs {@link ScheduleStore#finish} after an action completes; must allow blocking (virtual
     *                 threads); tests pass {@code Runnable::run}
     */
    public JobScheduler(ScheduleStore store, JobAction action, JobClock clock, int maxConcurrentRuns,
            JobMetrics metrics, Executor finisher) {
        this.store = Objects.requireNonNull(store, "store");
        this.action = Objects.requireNonNull(action, "action");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.finisher = Objects.requireNonNull(finisher, "finisher");
        if (maxConcurrentRuns < 1) {
            throw new IllegalArgumentException("maxConcurrentRuns must be >= 1, got " + maxConcurrentRuns);
        }
        this.maxConcurrentRuns = maxConcurrentRuns;
    }

    /** The wall clock, and runs finished on virtual threads. */
    public JobScheduler(ScheduleStore store, JobAction action, int maxConcurrentRuns, JobMetrics metrics) {
        this(store, action, JobClock.system(), maxConcurrentRuns, metrics,
                r -> Thread.ofVirtual().name("edgenode-jobs-finish").start(r));
    }

    /** {@link #recover()}, then starts the {@code edgenode-jobs} thread. Call once. */
    public void start() throws ScheduleStoreException {
        recover();
        lock.lock();
        try {
            if (thread != null || closed) {
                throw new IllegalStateException("already started or closed");
            }
            thread = Thread.ofVirtual().name("edgenode-jobs").start(this::loop);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Loads the store's state after a restart: queues unfinished runs for one retry (abandoning those at attempt 2),
     * applies each schedule's missed policy to dues that passed while the node was down, and queues the active
     * schedules. Call once, before the first {@link #tick()}.
     */
    public void recover() throws ScheduleStoreException {
        long now = clock.nowMillis();
        for (ScheduleRun r : store.unfinished()) {
            if (r.attempt() >= 2) {
                store.abandon(r.runId(), "the node stopped during this run twice; not retried again", now);
                metrics.runAbandoned();
                LOG.log(System.Logger.Level.WARNING, "schedule {0}: run {1} abandoned after {2} attempts",
                        r.scheduleId(), r.runId(), r.attempt());
            } else {
                lock.lock();
                try {
                    retries.add(r);
                } finally {
                    lock.unlock();
                }
            }
        }
        for (Schedule s : store.active()) {
            Cadence cadence;
            try {
                cadence = Cadence.of(ScheduleSpec.fromJson(s.specJson()));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "schedule {0} has an unreadable spec, not run: {1}", s.id(),
                        e.getMessage());
                continue;
            }
            if (s.nextDueAt() < now && s.missedPolicy() == MissedPolicy.SKIP) {
                long next = cadence.nextAfter(now);
                store.skip(s.id(), s.nextDueAt(), now, next, "missed while the node was down");
                metrics.runSkipped();
                s = s.advanced(next, false);
                if (!s.isActive()) {
                    continue;
                }
            }
            // run_once: left due in the past; the first tick fires it once and continues from then.
            enqueue(s, cadence);
        }
    }

    /**
     * Starts tracking a schedule already stored (after {@link ScheduleStore#create}); replaces one with its id.
     * A schedule that is not ACTIVE is ignored.
     */
    public void add(Schedule s) {
        Objects.requireNonNull(s, "schedule");
        if (!s.isActive()) {
            return;
        }
        enqueue(s, Cadence.of(ScheduleSpec.fromJson(s.specJson())));
    }

    private void enqueue(Schedule s, Cadence cadence) {
        Entry e = new Entry(s, cadence, s.nextDueAt());
        lock.lock();
        try {
            Entry old = byId.put(s.id(), e);
            if (old != null) {
                queue.remove(old);
            }
            if (!busy.contains(s.id())) {
                queue.add(e);
            }
            poke();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops tracking a schedule (after {@link ScheduleStore#delete}); a run in flight is left to finish. Even without
     * this call a deleted schedule never runs again: {@code begin} refuses it.
     */
    public boolean remove(String id) {
        Objects.requireNonNull(id, "id");
        lock.lock();
        try {
            Entry e = byId.remove(id);
            if (e != null) {
                queue.remove(e);
                poke();
            }
            return e != null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts every run that is due at the clock's now, as far as free slots allow (retries of unfinished runs first,
     * then due schedules in due order). Call from one thread only. Returns when the next call has work: the earliest
     * due time of a queued schedule (at or before now when all slots are busy: a finishing run pokes the thread),
     * or {@link Cadence#NONE} when nothing is queued.
     */
    public long tick() {
        long now = clock.nowMillis();
        List<ScheduleRun> retrying = new ArrayList<>();
        List<Entry> due = new ArrayList<>();
        lock.lock();
        try {
            while (running < maxConcurrentRuns && !retries.isEmpty()) {
                ScheduleRun r = retries.poll();
                takeSlot(r.scheduleId());
                retrying.add(r);
            }
            while (running < maxConcurrentRuns && !queue.isEmpty() && queue.first().wakeAt() <= now) {
                Entry e = queue.pollFirst();
                takeSlot(e.schedule().id());
                due.add(e);
            }
        } finally {
            lock.unlock();
        }
        for (ScheduleRun r : retrying) {
            startRetry(r, now);
        }
        for (Entry e : due) {
            startDue(e, now);
        }
        lock.lock();
        try {
            if (!retries.isEmpty()) {
                return now;
            }
            return queue.isEmpty() ? Cadence.NONE : queue.first().wakeAt();
        } finally {
            lock.unlock();
        }
    }

    /** Guarded by lock: the schedule leaves the queue while its run is in flight. */
    private void takeSlot(String scheduleId) {
        running++;
        busy.add(scheduleId);
        Entry e = byId.get(scheduleId);
        if (e != null) {
            queue.remove(e);
        }
    }

    private void startDue(Entry e, long now) {
        Schedule s = e.schedule();
        long dueAt = s.nextDueAt();
        long next = e.cadence().nextAfter(Math.max(dueAt, now));
        ScheduleRun run;
        try {
            run = store.begin(s.id(), dueAt, now, next);
        } catch (ScheduleStoreException x) {
            afterFailedBegin(e, now, x);
            return;
        }
        Schedule advanced = s.advanced(next, true);
        lock.lock();
        try {
            if (byId.get(s.id()) == e) {
                if (advanced.isActive()) {
                    byId.put(s.id(), new Entry(advanced, e.cadence(), advanced.nextDueAt()));
                } else {
                    byId.remove(s.id());
                }
            }
        } finally {
            lock.unlock();
        }
        metrics.runStarted(run.latenessMillis());
        launch(advanced, run);
    }

    private void afterFailedBegin(Entry e, long now, ScheduleStoreException x) {
        String id = e.schedule().id();
        Entry requeue = null;
        switch (x.kind()) {
            case NOT_FOUND -> LOG.log(System.Logger.Level.DEBUG, "schedule {0} was deleted", id);
            case CONFLICT -> {
                // Memory is stale (another writer moved it): take the stored schedule as the truth.
                try {
                    requeue = store.get(id).filter(Schedule::isActive)
                            .map(s -> new Entry(s, e.cadence(), s.nextDueAt())).orElse(null);
                } catch (ScheduleStoreException again) {
                    requeue = new Entry(e.schedule(), e.cadence(), now + STORE_RETRY_MILLIS);
                }
            }
            case UNAVAILABLE -> {
                LOG.log(System.Logger.Level.WARNING, "schedule {0}: cannot begin its run, trying again in {1} ms: {2}",
                        id, STORE_RETRY_MILLIS, x.getMessage());
                requeue = new Entry(e.schedule(), e.cadence(), now + STORE_RETRY_MILLIS);
            }
        }
        lock.lock();
        try {
            running--;
            busy.remove(id);
            if (byId.get(id) == e) {
                if (requeue != null) {
                    byId.put(id, requeue);
                    queue.add(requeue);
                } else {
                    byId.remove(id);
                }
            } else if (byId.get(id) != null) {
                queue.add(byId.get(id)); // replaced by add() meanwhile
            }
        } finally {
            lock.unlock();
        }
    }

    private void startRetry(ScheduleRun unfinished, long now) {
        ScheduleRun run;
        Schedule s;
        try {
            var stored = store.get(unfinished.scheduleId());
            if (stored.isEmpty()) {
                store.abandon(unfinished.runId(), "the schedule was deleted", now);
                metrics.runAbandoned();
                release(unfinished.scheduleId());
                return;
            }
            s = stored.get();
            run = store.retry(unfinished.runId(), now);
        } catch (ScheduleStoreException x) {
            // Left unfinished in the store: the next start tries again.
            LOG.log(System.Logger.Level.WARNING, "run {0}: cannot retry it now: {1}", unfinished.runId(),
                    x.getMessage());
            release(unfinished.scheduleId());
            return;
        }
        metrics.runRetried();
        launch(s, run);
    }

    private void launch(Schedule s, ScheduleRun run) {
        CompletionStage<RunResult> stage;
        try {
            stage = action.run(s, run);
            if (stage == null) {
                stage = CompletableFuture.completedFuture(RunResult.failed("the action returned no result"));
            }
        } catch (RuntimeException e) {
            stage = CompletableFuture.completedFuture(RunResult.failed(describe(e)));
        }
        stage.whenComplete((result, error) -> {
            try {
                finisher.execute(() -> finished(s.id(), run, result, error));
            } catch (RejectedExecutionException e) {
                // Shutting down: the run stays unfinished in the store and is retried at the next start.
                release(s.id());
            }
        });
    }

    private void finished(String scheduleId, ScheduleRun run, RunResult result, Throwable error) {
        RunResult r = error != null ? RunResult.failed(describe(error))
                : result != null ? result : RunResult.failed("the action returned no result");
        try {
            store.finish(run.runId(), r.succeeded() ? ScheduleRun.Outcome.OK : ScheduleRun.Outcome.FAILED, r.error(),
                    clock.nowMillis());
        } catch (ScheduleStoreException e) {
            // Still unfinished in the store: retried once at the next start (at least once).
            LOG.log(System.Logger.Level.WARNING, "run {0} of schedule {1}: cannot record its outcome: {2}",
                    run.runId(), scheduleId, e.getMessage());
        } finally {
            if (r.succeeded()) {
                metrics.runOk();
            } else {
                metrics.runFailed();
            }
            release(scheduleId);
        }
    }

    /** A run ended: free its slot and put its schedule back in the queue (if still tracked). */
    private void release(String scheduleId) {
        lock.lock();
        try {
            running--;
            busy.remove(scheduleId);
            Entry e = byId.get(scheduleId);
            if (e != null) {
                queue.add(e);
            }
            poke();
        } finally {
            lock.unlock();
        }
    }

    private static String describe(Throwable t) {
        Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                ? t.getCause() : t;
        String m = cause.getMessage();
        return m == null || m.isBlank() ? cause.getClass().getSimpleName() : m;
    }

    /** Actions in flight now. */
    public int runningCount() {
        lock.lock();
        try {
            return running;
        } finally {
            lock.unlock();
        }
    }

    /** Active schedules tracked (queued or running). */
    public int scheduledCount() {
        lock.lock();
        try {
            return byId.size();
        } finally {
            lock.unlock();
        }
    }

    /** Guarded by lock. */
    private void poke() {
        poked = true;
        wake.signal();
    }

    private void loop() {
        while (!closed) {
            long next;
            try {
                next = tick();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "jobs tick failed", e);
                next = clock.nowMillis() + STORE_RETRY_MILLIS;
            }
            lock.lock();
            try {
                if (!poked && !closed) {
                    long now = clock.nowMillis();
                    long waitMillis = next == Cadence.NONE ? MAX_WAIT_MILLIS
                            : next > now ? Math.min(next - now, MAX_WAIT_MILLIS)
                            : running >= maxConcurrentRuns ? MAX_WAIT_MILLIS : 0;
                    if (waitMillis > 0) {
                        wake.await(waitMillis, TimeUnit.MILLISECONDS);
                    }
                }
                poked = false;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Stops the thread (waiting for its current tick); actions in flight are left to finish. */
    @Override
    public void close() {
        Thread t;
        lock.lock();
        try {
            closed = true;
            poke();
            t = thread;
        } finally {
            lock.unlock();
        }
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
