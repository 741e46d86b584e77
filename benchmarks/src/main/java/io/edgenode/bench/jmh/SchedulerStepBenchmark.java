package io.edgenode.bench.jmh;

import io.edgenode.core.engine.SchedulerFixture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of planning one engine step: {@code Scheduler.schedule} over 8 running sequences, no
 * model. The engine calls it once per step, so its share of a step is this figure over the step
 * time (10-15 ms of {@code llama_decode} on bench-200m with 2 threads).
 *
 * <ul>
 *   <li>{@code mix=8d}: 8 sequences decoding (the steady state);
 *   <li>{@code mix=6d2p}: 6 decoding, 2 prefilling (300-token prompt from 0, 100-token prompt
 *       half done), the prompt chunks filling the rest of the budget;
 *   <li>{@code mix=4d4p}: 4 and 4, prefilling ones in 2 tenants (round-robin across tenants).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SchedulerStepBenchmark {
    @Param({"8d", "6d2p", "4d4p"})
    public String mix;

    @Param("256")
    public int maxBatchTokens;

    private SchedulerFixture fixture;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new SchedulerFixture(maxBatchTokens);
        int decoding = Integer.parseInt(mix.substring(0, 1));
        for (int i = 0; i < decoding; i++) {
            fixture.addDecoding("", 16 + 10 * i, 20 + 7 * i);
        }
        switch (mix) {
            case "8d" -> {}
            case "6d2p" -> {
                fixture.addPrefilling("", 300, 0);
                fixture.addPrefilling("", 100, 50);
            }
            case "4d4p" -> {
                fixture.addPrefilling("a", 300, 0);
                fixture.addPrefilling("a", 100, 50);
                fixture.addPrefilling("b", 200, 64);
                fixture.addPrefilling("b", 64, 0);
            }
            default -> throw new IllegalArgumentException("mix " + mix);
        }
    }

    @Benchmark
    public int schedule() {
        return fixture.schedule();
    }
}
