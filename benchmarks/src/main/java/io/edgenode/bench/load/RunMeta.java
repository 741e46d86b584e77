package io.edgenode.bench.load;

import java.net.InetAddress;
import java.util.List;

/** Where and how a run was made, for its report. Immutable. */
public record RunMeta(String commit, List<String> arguments, String host, int cpus, String os, String java) {
    public RunMeta {
        arguments = List.copyOf(arguments);
    }

    /** This process: commit from {@code -Dedgenode.commit} (scripts/bench sets it), else "unknown". */
    public static RunMeta current(List<String> arguments) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown";
        }
        return new RunMeta(System.getProperty("edgenode.commit", "unknown"), arguments, host,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    }
}
