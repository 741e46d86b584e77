package io.edgenode.bench.soak;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The keep-alive soak (issue 11): {@code edgenode serve} as a child process; {@code requests}
 * non-streamed chat completions over {@code connections} keep-alive connections (each one
 * request at a time), then {@code turns} session turns round-robin over 10 sessions on one
 * connection. At the start, halfway and at the end of each phase, with the phase's connections
 * still open: the child's heap after a full GC ({@code jcmd GC.run}, then {@code GC.heap_info}),
 * its RSS ({@code /proc/PID/status}) and its CPU time.
 * Flat is the goal: a connection that keeps what its finished requests used grows. Prints a
 * Markdown table and throughputs; run it against two jars (this commit and the one before) for
 * the comparison.
 *
 * <p>Usage: {@code SoakBench EDGENODE_JAR MODEL.gguf WORKDIR [requests] [connections] [turns]}
 */
public final class SoakBench {
    private static final Pattern SERVING = Pattern.compile("serving on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    private static final ObjectMapper JSON = new ObjectMapper();

    private SoakBench() {}

    record Checkpoint(String at, long heapUsedKiB, long rssKiB, double cpuSeconds) {}

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]).toAbsolutePath();
        Path model = Path.of(args[1]).toAbsolutePath();
        Path work = Path.of(args[2]).toAbsolutePath();
        int requests = args.length > 3 ? Integer.parseInt(args[3]) : 50_000;
        int connections = args.length > 4 ? Integer.parseInt(args[4]) : 8;
        int turns = args.length > 5 ? Integer.parseInt(args[5]) : 1_000;
        Files.createDirectories(work);
        Path yaml = work.resolve("soak.yaml");
        Files.writeString(yaml, "server:\n  host: 127.0.0.1\n  port: 0\n  data_dir: data\nmodels:\n"
                + "  - id: soak\n    path: " + model + "\n    parallel: 8\n    context: 8192\n    threads: 1\n"
                + "    max_queue: 64\n    preload: true\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(), "serve",
                "--config", yaml.toString(), "--port", "0", "--data-dir", work.resolve("data").toString())
                .redirectErrorStream(true).start();
        List<Checkpoint> marks = new ArrayList<>();
        try {
            int port = awaitServing(child);
            long pid = child.pid();
            marks.add(checkpoint(pid, "start"));
            // The checkpoints are taken while the connections stay open: what a connection keeps of
            // its finished requests is freed when it closes, so a closed connection would hide it.
            List<KeepAliveClient> clients = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                clients.add(new KeepAliveClient(port));
            }
            long t0 = System.nanoTime();
            statelessPhase(clients, 0, requests / 2);
            marks.add(checkpoint(pid, "after " + requests / 2 + " requests (" + connections + " connections open)"));
            statelessPhase(clients, requests / 2, requests);
            double statelessSeconds = (System.nanoTime() - t0) / 1e9;
            marks.add(checkpoint(pid, "after " + requests + " requests (" + connections + " connections open)"));
            for (KeepAliveClient c : clients) {
                c.close();
            }
            long t1 = System.nanoTime();
            try (KeepAliveClient client = new KeepAliveClient(port)) {
                List<String> ids = createSessions(client, 10);
                sessionTurns(client, ids, 0, turns / 2);
                marks.add(checkpoint(pid, "after " + turns / 2 + " session turns (1 connection open)"));
                sessionTurns(client, ids, turns / 2, turns);
                marks.add(checkpoint(pid, "after " + turns + " session turns (1 connection open)"));
            }
            double sessionSeconds = (System.nanoTime() - t1) / 1e9;
            marks.add(checkpoint(pid, "all connections closed"));
            System.out.printf("jar %s, model %s%n", jar, model.getFileName());
            System.out.printf("stateless: %d requests over %d keep-alive connections in %.1f s = %.1f req/s%n",
                    requests, connections, statelessSeconds, requests / statelessSeconds);
            System.out.printf("sessions: %d turns over 1 connection in %.1f s = %.1f turns/s%n", turns,
                    sessionSeconds, turns / sessionSeconds);
            System.out.printf("node CPU: %.2f ms per stateless request, %.2f ms per session turn%n",
                    (marks.get(2).cpuSeconds() - marks.get(0).cpuSeconds()) * 1000 / requests,
                    (marks.get(4).cpuSeconds() - marks.get(2).cpuSeconds()) * 1000 / turns);
            System.out.println("| checkpoint | heap used after full GC (MiB) | RSS (MiB) | node CPU (s) |");
            System.out.println("|---|---|---|---|");
            for (Checkpoint c : marks) {
                System.out.printf("| %s | %.1f | %.1f | %.1f |%n", c.at(), c.heapUsedKiB() / 1024.0,
                        c.rssKiB() / 1024.0, c.cpuSeconds());
            }
        } finally {
            child.destroy();
            child.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static String chat(String content) {
        ObjectNode req = JSON.createObjectNode().put("model", "soak").put("max_tokens", 4).put("temperature", 0)
                .put("ignore_eos", true);
        req.putArray("messages").addObject().put("role", "user").put("content", content);
        return req.toString();
    }

    /** Requests {@code from..to-1}, each client one at a time, all clients in parallel. */
    private static void statelessPhase(List<KeepAliveClient> clients, int from, int to) {
        AtomicInteger next = new AtomicInteger(from);
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (KeepAliveClient client : clients) {
            workers.add(CompletableFuture.runAsync(() -> {
                try {
                    for (int i; (i = next.getAndIncrement()) < to; ) {
                        var r = client.post("/v1/chat/completions", chat("soak request " + i));
                        if (r.status() != 200) {
                            throw new IllegalStateException("HTTP " + r.status() + ": " + r.body());
                        }
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, Thread::startVirtualThread));
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();
    }

    private static List<String> createSessions(KeepAliveClient client, int n) throws IOException {
        List<String> ids = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            var r = client.post("/v1/sessions", "{\"model\":\"soak\"}");
            if (r.status() != 200) {
                throw new IllegalStateException("session create: HTTP " + r.status() + ": " + r.body());
            }
            ids.add(JSON.readTree(r.body()).get("id").asText());
        }
        return ids;
    }

    /** Turns {@code from..to-1}, round-robin over the sessions. */
    private static void sessionTurns(KeepAliveClient client, List<String> ids, int from, int to) throws IOException {
        for (int t = from; t < to; t++) {
            ObjectNode req = (ObjectNode) JSON.readTree(chat("turn " + t + " of the soak"));
            req.put("session_id", ids.get(t % ids.size()));
            var r = client.post("/v1/chat/completions", req.toString());
            if (r.status() != 200) {
                throw new IllegalStateException("turn " + t + ": HTTP " + r.status() + ": " + r.body());
            }
        }
    }

    private static int awaitServing(Process child) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        CountDownLatch ready = new CountDownLatch(1);
        int[] port = {-1};
        Thread.ofVirtual().start(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    Matcher m = SERVING.matcher(line);
                    if (m.find() && port[0] < 0) {
                        port[0] = Integer.parseInt(m.group(1));
                        ready.countDown();
                    }
                }
            } catch (IOException ignored) {
                // the child went away
            }
        });
        if (!ready.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("node did not start serving");
        }
        return port[0];
    }

    private static Checkpoint checkpoint(long pid, String at) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        run(jcmd, Long.toString(pid), "GC.run");
        String heap = run(jcmd, Long.toString(pid), "GC.heap_info");
        Matcher m = HEAP_USED.matcher(heap);
        long used = m.find() ? Long.parseLong(m.group(1)) : -1; // the first "used": the whole heap
        long rss = -1;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
            }
        }
        // utime + stime of the whole child (fields 14 and 15 of /proc/PID/stat, in clock ticks of 1/100 s)
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        return new Checkpoint(at, used, rss, cpu);
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }
}
