package io.edgenode.server.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.server.testing.Eventually;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobSchedulerTest {
    @TempDir
    Path dir;
    ScheduleStore store;
    final AtomicLong now = new AtomicLong();
    final Action action = new Action();
    final Counts metrics = new Counts();

    /** Records each call; completes at once with OK unless told to hold the runs. */
    static final class Action implements JobAction {
        record Call(Schedule schedule, ScheduleRun run, CompletableFuture<RunResult> result) {}

        final List<Call> calls = new CopyOnWriteArrayList<>();
        volatile boolean hold;

        @Override
        public CompletableFuture<RunResult> run(Schedule schedule, ScheduleRun run) {
            CompletableFuture<RunResult> f = new CompletableFuture<>();
            calls.add(new Call(schedule, run, f));
            if (!hold) {
                f.complete(RunResult.ok());
            }
            return f;
        }

        List<Long> dues() {
            return calls.stream().map(c -> c.run().dueAt()).toList();
        }
    }

    static final class Counts implements JobMetrics {
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger retried = new AtomicInteger();
        final AtomicInteger abandoned = new AtomicInteger();
        final AtomicInteger skipped = new AtomicInteger();
        final List<Long> lateness = new CopyOnWriteArrayList<>();

        @Override
        public void runStarted(long latenessMillis) {
            started.incrementAndGet();
            lateness.add(latenessMillis);
        }

        @Override
        public void runOk() {
            ok.incrementAndGet();
        }

        @Override
        public void runFailed() {
            failed.incrementAndGet();
        }

        @Override
        public void runRetried() {
            retried.incrementAndGet();
        }

        @Override
        public void runAbandoned() {
            abandoned.incrementAndGet();
        }

        @Override
        public void runSkipped() {
            skipped.incrementAndGet();
        }
    }

    @BeforeEach
    void open() throws Exception {
        store = ScheduleStore.open(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private JobScheduler scheduler(int maxConcurrentRuns) throws Exception {
        JobScheduler s = new JobScheduler(store, action, now::get, maxConcurrentRuns, metrics, Runnable::run);
        s.recover();
        return s;
    }

    private Schedule every(String id, long seconds, long firstDue, int maxRuns, long until, MissedPolicy missed)
            throws Exception {
        return store.create(new Schedule(id, "sess", new ScheduleSpec.Every(seconds, firstDue).toJson(),
                "{\"type\":\"turn\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}", null, maxRuns, until,
                missed, 0, firstDue, 0, Schedule.State.ACTIVE));
    }

    private Schedule once(String id, long at) throws Exception {
        return store.create(new Schedule(id, "sess", new ScheduleSpec.Once(at).toJson(),
                "{\"type\":\"webhook\",\"url\":\"https://example.com/\"}", null, 0, 0, MissedPolicy.RUN_ONCE, 0, at,
                0, Schedule.State.ACTIVE));
    }

    @Test
    void shouldFireAtTheRightTicksAndStopAfterMaxRuns() throws Exception {
        JobScheduler jobs = scheduler(4);
        jobs.add(every("a", 10, 10_000, 3, 0, MissedPolicy.RUN_ONCE));
        assertEquals(10_000, jobs.tick());
        now.set(9_999);
        assertEquals(10_000, jobs.tick());
        assertTrue(action.calls.isEmpty());
        for (long t = 10_000; t <= 30_000; t += 10_000) {
            now.set(t);
            jobs.tick();
        }
        assertEquals(List.of(10_000L, 20_000L, 30_000L), action.dues());
        assertEquals(Cadence.NONE, jobs.tick());
        assertEquals(0, jobs.scheduledCount());
        Schedule done = store.get("a").orElseThrow();
        assertEquals(Schedule.State.DONE, done.state());
        assertEquals(3, done.runCount());
        assertEquals(3, metrics.ok.get());
        assertTrue(store.runs("a", 10).stream().allMatch(r -> r.outcome() == ScheduleRun.Outcome.OK));
        now.set(40_000);
        jobs.tick();
        assertEquals(3, action.calls.size());
    }

    @Test
    void shouldStopAtUntil() throws Exception {
        JobScheduler jobs = scheduler(4);
        jobs.add(every("a", 10, 10_000, 0, 25_000, MissedPolicy.RUN_ONCE));
        for (long t = 10_000; t <= 60_000; t += 10_000) {
            now.set(t);
            jobs.tick();
        }
        assertEquals(List.of(10_000L, 20_000L), action.dues());
        assertEquals(Schedule.State.DONE, store.get("a").orElseThrow().state());
    }

    @Test
    void shouldRecordLatenessAndStayOnTheGridAfterALateTick() throws Exception {
        JobScheduler jobs = scheduler(4);
        jobs.add(every("a", 10, 10_000, 0, 0, MissedPolicy.RUN_ONCE));
        now.set(13_500);
        assertEquals(20_000, jobs.tick());
        assertEquals(List.of(3_500L), metrics.lateness);
    }

    @Test
    void shouldApplyTheMissedPolicyAfterARestart() throws Exception {
        JobScheduler before = scheduler(4);
        before.add(every("once", 10, 10_000, 0, 0, MissedPolicy.RUN_ONCE));
        before.add(every("skip", 10, 10_000, 0, 0, MissedPolicy.SKIP));
        before.close();

        now.set(55_000); // down through the dues at 10, 20, 30, 40 and 50 s
        JobScheduler after = scheduler(4);
        assertEquals(1, metrics.skipped.get());
        assertEquals(60_000, store.get("skip").orElseThrow().nextDueAt());
        assertEquals(60_000, after.tick());
        assertEquals(1, action.calls.size(), "run_once fires once, whatever the number missed");
        assertEquals("once", action.calls.getFirst().schedule().id());
        assertEquals(10_000, action.calls.getFirst().run().dueAt());
        assertEquals(List.of(45_000L), metrics.lateness);
        assertEquals(ScheduleRun.Outcome.SKIPPED, store.runs("skip", 5).getFirst().outcome());

        now.set(60_000);
        after.tick();
        assertEquals(3, action.calls.size());
    }

    @Test
    void shouldRetryAnUnfinishedRunOnceWithTheSameIdAndAbandonItAfterASecondCrash() throws Exception {
        action.hold = true;
        JobScheduler first = scheduler(4);
        first.add(every("a", 10, 10_000, 0, 0, MissedPolicy.RUN_ONCE));
        now.set(10_000);
        first.tick();
        String runId = action.calls.getFirst().run().runId();
        first.close();
        store.close(); // the node dies with the run in flight

        store = ScheduleStore.open(dir);
        now.set(12_000);
        JobScheduler second = scheduler(4);
        second.tick();
        assertEquals(2, action.calls.size());
        ScheduleRun retried = action.calls.get(1).run();
        assertEquals(runId, retried.runId());
        assertEquals(2, retried.attempt());
        assertEquals(10_000, retried.dueAt());
        assertEquals(1, metrics.retried.get());
        second.close();
        store.close(); // and dies again

        store = ScheduleStore.open(dir);
        now.set(14_000);
        JobScheduler third = scheduler(4);
        assertEquals(1, metrics.abandoned.get());
        third.tick();
        assertEquals(2, action.calls.size(), "not run a third time");
        assertTrue(store.unfinished().isEmpty());
        ScheduleRun abandoned = store.runs("a", 5).getFirst();
        assertEquals(ScheduleRun.Outcome.FAILED, abandoned.outcome());
        assertEquals(2, abandoned.attempt());
    }

    @Test
    void shouldRunAtMostMaxConcurrentRunsInDueOrder() throws Exception {
        action.hold = true;
        JobScheduler jobs = scheduler(2);
        jobs.add(once("c", 10_002));
        jobs.add(once("a", 10_000));
        jobs.add(once("b", 10_001));
        now.set(10_002);
        assertEquals(10_002, jobs.tick(), "c is due but waits for a slot");
        assertEquals(List.of("a", "b"), action.calls.stream().map(c -> c.schedule().id()).toList());
        assertEquals(2, jobs.runningCount());
        jobs.tick();
        assertEquals(2, action.calls.size());

        action.calls.get(1).result().complete(RunResult.failed("webhook answered 500"));
        assertEquals(1, jobs.runningCount());
        assertEquals(Cadence.NONE, jobs.tick());
        assertEquals(3, action.calls.size());
        assertEquals("c", action.calls.get(2).schedule().id());
        assertEquals(1, metrics.failed.get());
        ScheduleRun failed = store.runs("b", 1).getFirst();
        assertEquals(ScheduleRun.Outcome.FAILED, failed.outcome());
        assertEquals("webhook answered 500", failed.error());
    }

    @Test
    void shouldNotFireTwiceWhenTheClockGoesBack() throws Exception {
        JobScheduler jobs = scheduler(4);
        jobs.add(every("a", 10, 10_000, 0, 0, MissedPolicy.RUN_ONCE));
        now.set(10_000);
        jobs.tick();
        now.set(5_000);
        jobs.tick();
        now.set(10_000);
        jobs.tick();
        jobs.close();
        JobScheduler restarted = scheduler(4); // and after a restart with the clock still behind
        restarted.tick();
        assertEquals(List.of(10_000L), action.dues());
        now.set(20_000);
        restarted.tick();
        assertEquals(List.of(10_000L, 20_000L), action.dues());
    }

    @Test
    void shouldCountAThrowingOrFailingActionAsFailedAndForgetRemovedSchedules() throws Exception {
        JobScheduler jobs = new JobScheduler(store, (s, r) -> {
            throw new IllegalStateException("boom");
        }, now::get, 4, metrics, Runnable::run);
        jobs.recover();
        jobs.add(every("a", 10, 10_000, 0, 0, MissedPolicy.RUN_ONCE));
        jobs.add(every("b", 10, 10_000, 0, 0, MissedPolicy.RUN_ONCE));
        now.set(10_000);
        jobs.tick();
        assertEquals(2, metrics.failed.get());
        assertEquals("boom", store.runs("a", 1).getFirst().error());

        store.delete("a");
        jobs.remove("a");
        store.delete("b"); // deleted in the store only: begin refuses it and the scheduler drops it
        now.set(20_000);
        assertEquals(Cadence.NONE, jobs.tick());
        assertEquals(0, jobs.scheduledCount());
        assertEquals(2, metrics.started.get());
    }

    @Test
    void shouldFireOnItsOwnThreadAndWakeForANewSchedule() throws Exception {
        JobScheduler jobs = new JobScheduler(store, action, 2, JobMetrics.NONE);
        jobs.start();
        try {
            long due = System.currentTimeMillis() + 50;
            jobs.add(once("soon", due));
            Eventually.until(Duration.ofSeconds(10), "the schedule fired", () -> action.calls.size() == 1);
            Eventually.until(Duration.ofSeconds(10), "the run was recorded", () -> {
                try {
                    return store.get("soon").orElseThrow().state() == Schedule.State.DONE
                            && store.runs("soon", 1).getFirst().isFinished();
                } catch (ScheduleStoreException e) {
                    throw new AssertionError(e);
                }
            });
        } finally {
            jobs.close();
        }
    }
}
