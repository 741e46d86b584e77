package io.edgenode.bench.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU used by other processes during a measurement, from {@code /proc/stat} minus
 * {@code /proc/self/stat}, in cores (0.3 = another process kept a third of a core busy). On a
 * 2-core box a 2-thread decode collapses when anything else runs, so each run reports this and
 * a run above {@link #NOISY_CORES} is marked. NaN where /proc is unavailable. Immutable.
 */
public record ForeignCpu(long busyTicks, long selfTicks, long nanos) {
    public static final double NOISY_CORES = 0.15;
    /** USER_HZ: Linux reports both files in 1/100 s. */
    private static final double TICKS_PER_SECOND = 100;

    public static ForeignCpu now() {
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) { // user nice system irq softirq steal
                busy += Long.parseLong(cpu[i]);
            }
            String self = Files.readString(Path.of("/proc/self/stat"));
            String[] f = self.substring(self.lastIndexOf(')') + 2).trim().split("\\s+");
            long selfTicks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14, 15: utime, stime
            return new ForeignCpu(busy, selfTicks, System.nanoTime());
        } catch (IOException | RuntimeException e) {
            return new ForeignCpu(-1, -1, System.nanoTime());
        }
    }

    /** Average cores used by other processes since {@code start}. */
    public double coresSince(ForeignCpu start) {
        if (busyTicks < 0 || start.busyTicks < 0) {
            return Double.NaN;
        }
        double seconds = (nanos - start.nanos) / 1e9;
        return Math.max(0, (busyTicks - start.busyTicks) - (selfTicks - start.selfTicks)) / TICKS_PER_SECOND / seconds;
    }
}
