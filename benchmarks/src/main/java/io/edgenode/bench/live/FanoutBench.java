package io.edgenode.bench.live;

import io.edgenode.bench.common.LocalNode;
import io.edgenode.bench.common.Stats;
import io.edgenode.bench.load.ChatClient;
import io.edgenode.bench.load.Endpoint;
import io.edgenode.bench.load.ExactTokens;
import io.edgenode.bench.load.Message;
import io.edgenode.bench.load.RequestResult;
import io.edgenode.bench.load.Timeouts;
import io.edgenode.server.session.SessionSettings;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What live clients cost a session turn (issue 16's benchmark), on a real node in this process:
 * the same turn's decode rate with 0, 1, 10 and 100 WebSocket clients watching it (the variants
 * alternate, rotated every round, each with a fresh session and a fresh prompt), how long after
 * the sender's last byte the last client has the turn's end, the latency of resuming a turn's
 * stream with {@code Last-Event-ID}, and the heap per connected idle client.
 *
 * <p>The clients run in this process ({@link RawSocketClient}: a raw socket and a virtual thread
 * each), so on a 2-core box they take CPU from the node they measure: the figures are an upper
 * bound of the node's own cost.
 *
 * <p>Usage: {@code FanoutBench MODEL.gguf [rounds=5] [tokens=128] [threads=1] [clients=0,1,10,100]}
 */
public final class FanoutBench {
    private static final String MODEL = "bench";

    public static void main(String[] a) throws Exception {
        if (a.length < 1) {
            System.err.println("usage: FanoutBench MODEL.gguf [rounds] [tokens] [threads] [clients,...]");
            System.exit(2);
        }
        Path model = Path.of(a[0]).toAbsolutePath();
        int rounds = a.length > 1 ? Integer.parseInt(a[1]) : 5;
        int tokens = a.length > 2 ? Integer.parseInt(a[2]) : 128;
        int threads = a.length > 3 ? Integer.parseInt(a[3]) : 1;
        List<Integer> variants = new ArrayList<>();
        for (String v : (a.length > 4 ? a[4] : "0,1,10,100").split(",")) {
            variants.add(Integer.parseInt(v.strip()));
        }
        Path dir = Files.createTempDirectory("edgenode-fanout-bench");
        String yaml = LocalNode.model(MODEL, model.toString(), 1, 4096, threads, 512);
        SessionSettings sessions = SessionSettings.defaults(dir.resolve("data")).withKvDiskBudget(0);
        try (LocalNode node = new LocalNode(yaml, dir, sessions, Duration.ofMinutes(3))) {
            new FanoutBench(node, model, rounds, tokens, threads, variants).run();
        }
        System.exit(0);
    }

    private final LocalNode node;
    private final Path model;
    private final int rounds;
    private final int tokens;
    private final int threads;
    private final List<Integer> variants;
    private final ChatClient client = new ChatClient(new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(300),
            Duration.ofSeconds(300), Duration.ofSeconds(600)));
    private final Endpoint endpoint;
    private final HttpClient http = HttpClient.newHttpClient();

    private FanoutBench(LocalNode node, Path model, int rounds, int tokens, int threads, List<Integer> variants) {
        this.node = node;
        this.model = model;
        this.rounds = rounds;
        this.tokens = tokens;
        this.threads = threads;
        this.variants = variants;
        this.endpoint = new Endpoint("edgenode", node.baseUri(), MODEL, null);
    }

    private void run() throws Exception {
        Map<Integer, List<Double>> rate = new LinkedHashMap<>();
        Map<Integer, List<Double>> ratio = new LinkedHashMap<>();
        Map<Integer, List<Double>> lagMs = new LinkedHashMap<>();
        variants.forEach(v -> {
            rate.put(v, new ArrayList<>());
            ratio.put(v, new ArrayList<>());
            lagMs.put(v, new ArrayList<>());
        });
        List<Double> resumeFirstByteMs = new ArrayList<>();
        for (int v : variants) {
            turn(v, -1, null); // warm-up: first turns pay for page faults and the JIT of each path
        }
        for (int r = 0; r < rounds; r++) {
            Map<Integer, Double> thisRound = new LinkedHashMap<>();
            for (int i = 0; i < variants.size(); i++) {
                int clients = variants.get((i + r) % variants.size()); // rotate the order every round
                double[] out = turn(clients, r, lagMs.get(clients));
                thisRound.put(clients, out[0]);
                rate.get(clients).add(out[0]);
                if (out[1] >= 0) {
                    resumeFirstByteMs.add(out[1]);
                }
            }
            Double base = thisRound.get(0);
            if (base != null) {
                thisRound.forEach((c, v) -> ratio.get(c).add(v / base));
            }
            System.err.printf("round %d: %s%n", r + 1, thisRound);
        }
        double heapPerClient = heapPerClient(200);

        StringBuilder md = new StringBuilder();
        md.append("model ").append(model.getFileName()).append(", threads ").append(threads).append(", ")
                .append(tokens).append(" tokens a turn (ignore_eos), parallel 1, ").append(rounds)
                .append(" rounds, commit ").append(System.getProperty("edgenode.commit", "unknown")).append("\n\n");
        md.append("| WebSocket clients | decode tok/s (min / median / max) | ratio to 0 clients | last client's end"
                + " after the sender's, ms |\n|---|---|---|---|\n");
        for (int v : variants) {
            md.append("| ").append(v).append(" | ").append(Stats.mmm(rate.get(v), "%.1f")).append(" | ")
                    .append(ratio.get(v).isEmpty() ? "-" : Stats.mmm(ratio.get(v), "%.3f")).append(" | ")
                    .append(lagMs.get(v).isEmpty() ? "-" : Stats.mmm(lagMs.get(v), "%.1f")).append(" |\n");
        }
        md.append("\nresume (a finished turn, from its middle event): time to the first byte ")
                .append(Stats.mmm(resumeFirstByteMs, "%.2f")).append(" ms over ").append(resumeFirstByteMs.size())
                .append(" resumes\n");
        md.append(String.format("heap per connected idle client (node + the in-process raw-socket client): %.1f KiB%n",
                heapPerClient / 1024));
        System.out.println(md);
    }

    /**
     * One turn with {@code clients} watching: {@code [decode tok/s, resume ms or -1]}; adds the
     * fan-out lag (last client's end after the sender's) to {@code lag}.
     */
    private double[] turn(int clients, int round, List<Double> lag) throws Exception {
        String session = client.createSession(endpoint, null).id();
        List<RawSocketClient> watchers = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                watchers.add(new RawSocketClient(node.node.port(), session));
            }
            awaitAll(watchers, w -> w.frames.get() >= 1, "hello"); // every client joined
            String prompt = "round " + round + " with " + clients + " clients at " + System.nanoTime()
                    + ": tell me a story about the sea";
            long start = System.nanoTime();
            RequestResult res = client.chat(endpoint, List.of(new Message("user", prompt)), session,
                    new ChatClient.Options(tokens, ExactTokens.IGNORE_EOS, true, 0), 0, 0, start);
            if (!res.ok()) {
                throw new IllegalStateException("turn failed: " + res.errorDetail());
            }
            long senderEnd = start + res.e2eNanos();
            awaitAll(watchers, w -> w.turnsFinished.get() >= 1, "turn.finished");
            if (lag != null && clients > 0) {
                long last = watchers.stream().mapToLong(w -> w.lastFinishedNanos).max().orElse(senderEnd);
                lag.add(Math.max(0, last - senderEnd) / 1e6);
            }
            double decodeSeconds = (res.e2eNanos() - res.ttftNanos()) / 1e9;
            double resume = clients == 1 ? resume(session) : -1;
            return new double[] {(res.completionTokens() - 1) / decodeSeconds, resume};
        } finally {
            for (RawSocketClient w : watchers) {
                w.close();
            }
        }
    }

    /** Time to the first byte of {@code GET .../turns/0/stream} after the turn's middle event. */
    private double resume(String session) throws Exception {
        int middle = tokens / 2;
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(node.baseUri().resolve("v1/sessions/" + session
                + "/turns/0/stream")).header("Last-Event-ID", "0:" + middle).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (in.read() < 0 || r.statusCode() != 200) {
                throw new IllegalStateException("resume failed: " + r.statusCode());
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            in.readAllBytes();
            return ms;
        }
    }

    /** Heap used per idle client: {@code n} clients on one session, after a GC, minus before. */
    private double heapPerClient(int n) throws Exception {
        String session = client.createSession(endpoint, null).id();
        long before = usedHeapAfterGc();
        List<RawSocketClient> idle = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                idle.add(new RawSocketClient(node.node.port(), session));
            }
            awaitAll(idle, w -> w.frames.get() >= 1, "hello");
            return (double) (usedHeapAfterGc() - before) / n;
        } finally {
            for (RawSocketClient w : idle) {
                w.close();
            }
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200); // let the GC's reference processing settle; a benchmark, not a test
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void awaitAll(List<RawSocketClient> clients, java.util.function.Predicate<RawSocketClient> done,
            String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!clients.stream().allMatch(done)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("clients did not all get " + what);
            }
            Thread.sleep(1);
        }
    }
}
