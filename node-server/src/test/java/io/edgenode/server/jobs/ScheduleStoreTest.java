package io.edgenode.server.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScheduleStoreTest {
    @TempDir
    Path dir;

    static Schedule schedule(String id, String session, long firstDue, int maxRuns, long until) {
        return new Schedule(id, session, new ScheduleSpec.Every(10, firstDue).toJson(),
                "{\"type\":\"turn\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "key_1", maxRuns, until,
                MissedPolicy.RUN_ONCE, 0, firstDue, 0, Schedule.State.ACTIVE);
    }

    @Test
    void shouldCreateGetListAndDelete() throws Exception {
        try (ScheduleStore store = ScheduleStore.open(dir)) {
            store.create(schedule("a", "s1", 1000, 0, 0));
            store.create(schedule("b", "s1", 2000, 0, 0));
            store.create(schedule("c", "s2", 3000, 0, 0));
            assertEquals(ScheduleStoreException.Kind.CONFLICT,
                    assertThrows(ScheduleStoreException.class, () -> store.create(schedule("a", "s9", 1, 0, 0))).kind());
            assertEquals(schedule("a", "s1", 1000, 0, 0), store.get("a").orElseThrow());
            assertEquals(List.of("a", "b"), store.listForSession("s1").stream().map(Schedule::id).toList());
            assertTrue(store.delete("b"));
            assertFalse(store.delete("b"));
            assertTrue(store.get("b").isEmpty());
            assertEquals(List.of("a", "c"), store.active().stream().map(Schedule::id).toList());
            assertEquals(List.of("c"), store.deleteForSession("s2"));
            assertEquals(List.of("a"), store.active().stream().map(Schedule::id).toList());
        }
    }

    @Test
    void shouldBeginAtomicallyAndRefuseTheSameDueTwice() throws Exception {
        try (ScheduleStore store = ScheduleStore.open(dir)) {
            store.create(schedule("a", "s1", 1000, 2, 0));
            ScheduleRun run = store.begin("a", 1000, 1005, 11_000);
            assertEquals(1, run.attempt());
            assertTrue(run.runId().startsWith("run_"));
            assertEquals(5, run.latenessMillis());
            assertFalse(run.isFinished());
            Schedule s = store.get("a").orElseThrow();
            assertEquals(11_000, s.nextDueAt());
            assertEquals(1, s.runCount());
            // The same planned time again (a stale scheduler, a clock set back): refused, nothing changed.
            assertEquals(ScheduleStoreException.Kind.CONFLICT, assertThrows(ScheduleStoreException.class,
                    () -> store.begin("a", 1000, 1006, 11_000)).kind());
            assertEquals(1, store.unfinished().size());

            store.finish(run.runId(), ScheduleRun.Outcome.OK, null, 1500);
            store.begin("a", 11_000, 11_000, 21_000); // the second of max_runs 2
            Schedule done = store.get("a").orElseThrow();
            assertEquals(Schedule.State.DONE, done.state());
            assertEquals(0, done.nextDueAt());
            assertTrue(store.active().isEmpty());
            assertEquals(ScheduleStoreException.Kind.NOT_FOUND, assertThrows(ScheduleStoreException.class,
                    () -> store.begin("zz", 1, 1, 0)).kind());
        }
    }

    @Test
    void shouldEndAtUntil() throws Exception {
        try (ScheduleStore store = ScheduleStore.open(dir)) {
            store.create(schedule("a", "s1", 1000, 0, 15_000));
            store.begin("a", 1000, 1000, 11_000);
            assertEquals(Schedule.State.ACTIVE, store.get("a").orElseThrow().state());
            store.begin("a", 11_000, 11_000, 21_000);
            assertEquals(Schedule.State.DONE, store.get("a").orElseThrow().state());
        }
    }

    @Test
    void shouldKeepUnfinishedRunsAcrossAReopenAndRetryThemWithTheSameId() throws Exception {
        String runId;
        try (ScheduleStore store = ScheduleStore.open(dir)) {
            store.create(schedule("a", "s1", 1000, 0, 0));
            runId = store.begin("a", 1000, 1000, 11_000).runId();
            // "crash": closed without finish
        }
        try (ScheduleStore store = ScheduleStore.open(dir)) {
            assertEquals(11_000, store.get("a").orElseThrow().nextDueAt());
            List<ScheduleRun> unfinished = store.unfinished();
            assertEquals(1, unfinished.size());
            assertEquals(runId, unfinished.getFirst().runId());
            ScheduleRun retried = store.retry(runId, 50_000);
            assertEquals(runId, retried.runId());
            assertEquals(2, retried.attempt());
            assertEquals(2, store.unfinished().getFirst().attempt());
            ScheduleRun abandoned = store.abandon(runId, "gave up", 60_000);
            assertEquals(ScheduleRun.Outcome.FAILED, abandoned.outcome());
            assertTrue(store.unfinished().isEmpty());
            assertEquals(ScheduleStoreException.Kind.CONFLICT, assertThrows(ScheduleStoreException.class,
                    () -> store.finish(runId, ScheduleRun.Outcome.OK, null, 70_000)).kind());
            ScheduleRun stored = store.runs("a", 10).getFirst();
            assertEquals("gave up", stored.error());
            assertEquals(60_000, stored.finishedAt());
        }
    }

    @Test
    void shouldRecordASkipWithoutCountingARun() throws Exception {
        try (ScheduleStore store = ScheduleStore.open(dir)) {
            store.create(schedule("a", "s1", 1000, 1, 0));
            ScheduleRun skipped = store.skip("a", 1000, 45_000, 51_000, "missed");
            assertEquals(ScheduleRun.Outcome.SKIPPED, skipped.outcome());
            Schedule s = store.get("a").orElseThrow();
            assertEquals(0, s.runCount());
            assertEquals(51_000, s.nextDueAt());
            assertEquals(Schedule.State.ACTIVE, s.state());
            assertTrue(store.unfinished().isEmpty());
        }
    }

    @Test
    void shouldFailClearlyOnceClosed() throws Exception {
        ScheduleStore store = ScheduleStore.open(dir);
        store.close();
        assertEquals(ScheduleStoreException.Kind.UNAVAILABLE,
                assertThrows(ScheduleStoreException.class, store::active).kind());
    }
}
