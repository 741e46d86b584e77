package io.edgenode.bench.jobs;

import io.edgenode.bench.common.Stats;
import io.edgenode.server.jobs.JobMetrics;
import io.edgenode.server.jobs.JobScheduler;
import io.edgenode.server.jobs.MissedPolicy;
import io.edgenode.server.jobs.RunResult;
import io.edgenode.server.jobs.Schedule;
import io.edgenode.server.jobs.ScheduleRequest;
import io.edgenode.server.jobs.ScheduleRules;
import io.edgenode.server.jobs.ScheduleStore;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What pending schedules cost (issue 17's benchmark), on the real store and scheduler with an
 * action that completes at once (so the figures are the scheduler's and the store's, not a
 * model's): creating N pending schedules, heap to hold them, start-up (open the store, recover,
 * load the active schedules), and the lateness of B schedules due in the same second (each run is
 * recorded durably, fsync included, before its action starts, and finished after).
 *
 * <p>Usage: {@code ScheduleBench [pending=10000] [burst=1000] [rounds=3] [concurrency=4,64]}
 */
public final class ScheduleBench {
    private static final ScheduleRules RULES = new ScheduleRules(MissedPolicy.RUN_ONCE, u -> true);

    public static void main(String[] a) throws Exception {
        int pending = a.length > 0 ? Integer.parseInt(a[0]) : 10_000;
        int burst = a.length > 1 ? Integer.parseInt(a[1]) : 1_000;
        int rounds = a.length > 2 ? Integer.parseInt(a[2]) : 3;
        List<Integer> concurrency = new ArrayList<>();
        for (String c : (a.length > 3 ? a[3] : "4,64").split(",")) {
            concurrency.add(Integer.parseInt(c.strip()));
        }
        List<Double> createMs = new ArrayList<>();
        List<Double> startMs = new ArrayList<>();
        List<Double> heapKib = new ArrayList<>();
        java.util.Map<Integer, List<Double>> p50 = new java.util.TreeMap<>();
        java.util.Map<Integer, List<Double>> p99 = new java.util.TreeMap<>();
        java.util.Map<Integer, List<Double>> max = new java.util.TreeMap<>();
        for (int r = 0; r < rounds; r++) {
            for (int c : concurrency) {
                Path dir = Files.createTempDirectory("edgenode-schedule-bench");
                long now = System.currentTimeMillis();
                long t0 = System.nanoTime();
                try (ScheduleStore store = ScheduleStore.open(dir)) {
                    for (int i = 0; i < pending; i++) { // due in an hour: pending during the whole run
                        store.create(request("{\"every_seconds\":3600,\"action\":{\"type\":\"webhook\",\"url\":"
                                + "\"http://127.0.0.1:9/h\",\"payload\":{}}}", now).toSchedule("sess_" + (i % 500), null, now));
                    }
                }
                createMs.add((System.nanoTime() - t0) / 1e6);

                long before = usedHeap();
                ConcurrentLinkedQueue<Long> lateness = new ConcurrentLinkedQueue<>();
                AtomicInteger finished = new AtomicInteger();
                JobMetrics metrics = new JobMetrics() {
                    @Override
                    public void runStarted(long latenessMillis) {
                        lateness.add(latenessMillis);
                    }

                    @Override
                    public void runOk() {
                        finished.incrementAndGet();
                    }
                };
                long s0 = System.nanoTime();
                ScheduleStore store = ScheduleStore.open(dir);
                JobScheduler scheduler = new JobScheduler(store,
                        (schedule, run) -> CompletableFuture.completedFuture(RunResult.ok()), c, metrics);
                scheduler.start();
                startMs.add((System.nanoTime() - s0) / 1e6);
                heapKib.add((usedHeap() - before) / 1024.0 / pending * 1000); // per 1,000 pending

                long due = ((System.currentTimeMillis() + 3_000) / 1000) * 1000; // a whole second, 2-3 s away
                String at = Instant.ofEpochMilli(due).toString();
                for (int i = 0; i < burst; i++) {
                    long n = System.currentTimeMillis();
                    scheduler.add(store.create(request("{\"at\":\"" + at + "\",\"action\":{\"type\":\"webhook\","
                            + "\"url\":\"http://127.0.0.1:9/h\",\"payload\":{}}}", n).toSchedule("burst", null, n)));
                }
                long deadline = System.nanoTime() + 600_000_000_000L;
                while (finished.get() < burst && System.nanoTime() < deadline) {
                    Thread.sleep(10); // a benchmark waiting for the burst; never in tests
                }
                scheduler.close();
                store.close();
                List<Double> late = lateness.stream().map(Long::doubleValue).toList();
                p50.computeIfAbsent(c, k -> new ArrayList<>()).add(Stats.percentile(late, 50));
                p99.computeIfAbsent(c, k -> new ArrayList<>()).add(Stats.percentile(late, 99));
                max.computeIfAbsent(c, k -> new ArrayList<>()).add(Stats.percentile(late, 100));
                System.err.printf("round %d, concurrency %d: %d runs, lateness p50 %.0f p99 %.0f ms%n", r + 1, c,
                        late.size(), Stats.percentile(late, 50), Stats.percentile(late, 99));
            }
        }
        StringBuilder md = new StringBuilder();
        md.append(pending).append(" pending schedules, a burst of ").append(burst).append(" due in the same second, ")
                .append(rounds).append(" rounds, commit ").append(System.getProperty("edgenode.commit", "unknown"))
                .append("\n\n");
        md.append("| figure | min / median / max |\n|---|---|\n");
        md.append("| create ").append(pending).append(" schedules (one transaction each), ms | ")
                .append(Stats.mmm(createMs, "%.0f")).append(" |\n");
        md.append("| start-up with them (open, recover, load), ms | ").append(Stats.mmm(startMs, "%.0f")).append(" |\n");
        md.append("| heap per 1,000 pending, KiB | ").append(Stats.mmm(heapKib, "%.0f")).append(" |\n");
        for (int c : p50.keySet()) {
            md.append("| burst lateness p50, ms (").append(c).append(" runs at once) | ")
                    .append(Stats.mmm(p50.get(c), "%.0f")).append(" |\n");
            md.append("| burst lateness p99, ms (").append(c).append(" runs at once) | ")
                    .append(Stats.mmm(p99.get(c), "%.0f")).append(" |\n");
            md.append("| burst lateness max, ms (").append(c).append(" runs at once) | ")
                    .append(Stats.mmm(max.get(c), "%.0f")).append(" |\n");
        }
        System.out.println(md);
        System.exit(0);
    }

    private static ScheduleRequest request(String json, long now) {
        return ScheduleRequest.parse(json.getBytes(StandardCharsets.UTF_8), RULES, now);
    }

    private static long usedHeap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
