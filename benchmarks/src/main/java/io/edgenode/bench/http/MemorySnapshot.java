package io.edgenode.bench.http;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.ObjectName;

/**
 * This process's memory at one instant: the kernel's view ({@code /proc/self/status}: VmRSS and
 * its anonymous / file-backed / shared parts, in bytes) and the JVM's (heap and non-heap used and
 * committed, direct and mapped buffer pools). Immutable.
 */
record MemorySnapshot(Map<String, Long> proc, long heapUsed, long heapCommitted, long nonHeapUsed,
        long nonHeapCommitted, long directBuffers, long mappedBuffers) {
    private static final String[] PROC_KEYS = {"VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM", "VmSize"};

    static MemorySnapshot now() {
        Map<String, Long> proc = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                for (String key : PROC_KEYS) {
                    if (line.startsWith(key + ":")) {
                        String[] f = line.substring(key.length() + 1).trim().split("\\s+");
                        proc.put(key, Long.parseLong(f[0]) * 1024); // "kB"
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the JVM's figures alone
        }
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long direct = 0;
        long mapped = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed();
            } else if (pool.getName().equals("mapped")) {
                mapped = pool.getMemoryUsed();
            }
        }
        return new MemorySnapshot(proc, mem.getHeapMemoryUsage().getUsed(), mem.getHeapMemoryUsage().getCommitted(),
                mem.getNonHeapMemoryUsage().getUsed(), mem.getNonHeapMemoryUsage().getCommitted(), direct, mapped);
    }

    long rss() {
        return proc.getOrDefault("VmRSS", -1L);
    }

    long proc(String key) {
        return proc.getOrDefault(key, -1L);
    }

    /**
     * {@code VM.native_memory summary} of this JVM (the DiagnosticCommand MBean, what {@code jcmd
     * <pid> VM.native_memory summary} prints); says "not enabled" unless the JVM runs with
     * {@code -XX:NativeMemoryTracking=summary}.
     */
    static String nativeMemorySummary() {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary", "scale=KB"}}, new String[] {String[].class.getName()});
            return String.valueOf(out);
        } catch (Exception e) {
            return "unavailable: " + e;
        }
    }
}
