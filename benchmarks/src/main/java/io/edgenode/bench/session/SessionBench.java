package io.edgenode.bench.session;

import io.edgenode.bench.common.LocalNode;
import io.edgenode.bench.load.ChatClient;
import io.edgenode.bench.load.Endpoint;
import io.edgenode.bench.load.ExactTokens;
import io.edgenode.bench.load.Message;
import io.edgenode.bench.load.RequestResult;
import io.edgenode.bench.load.Timeouts;
import io.edgenode.core.llama.Vocab;
import io.edgenode.server.session.SessionSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Multi-turn conversations through sessions vs stateless full-history requests, on a real node
 * in this process (issue 5's benchmark). One client, one request at a time, so TTFT measures the
 * node (prefill of what is not cached) rather than queueing.
 *
 * <p>Phases: (1) one conversation of {@code turns} turns through a session, (2) the same through
 * stateless full-history requests (the node's automatic prefix cache still applies, like
 * llama-server's {@code cache_prompt}), (3) {@code sessions} conversations interleaved
 * round-robin over the {@code parallel} sequences through sessions (every slot is overwritten
 * before its session returns: KV comes back from the snapshots), (4) the same stateless, (5) a
 * restart on the same data directory and one more turn of every session, restored from disk.
 *
 * <p>Usage: {@code SessionBench MODEL.gguf [threads] [parallel] [turns] [sessions] [userTokens] [replyTokens]}
 */
public final class SessionBench {
    private static final String MODEL = "bench";
    private static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(300),
            Duration.ofSeconds(300), Duration.ofSeconds(300));

    private final Path modelPath;
    private final int threads;
    private final int parallel;
    private final int turns;
    private final int sessions;
    private final int userTokens;
    private final int replyTokens;
    private final Path dataDir;
    private final ChatClient client = new ChatClient(TIMEOUTS);

    private LocalNode node;
    private Endpoint endpoint;

    SessionBench(String[] a) throws IOException {
        modelPath = Path.of(a[0]).toAbsolutePath();
        threads = a.length > 1 ? Integer.parseInt(a[1]) : 2;
        parallel = a.length > 2 ? Integer.parseInt(a[2]) : 8;
        turns = a.length > 3 ? Integer.parseInt(a[3]) : 10;
        sessions = a.length > 4 ? Integer.parseInt(a[4]) : 32;
        userTokens = a.length > 5 ? Integer.parseInt(a[5]) : 50;
        replyTokens = a.length > 6 ? Integer.parseInt(a[6]) : 16;
        dataDir = Files.createTempDirectory("edgenode-session-bench");
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: SessionBench MODEL.gguf [threads] [parallel] [turns] [sessions] [userTokens] [replyTokens]");
            System.exit(2);
        }
        new SessionBench(args).run();
        System.exit(0);
    }

    /** One measured turn. */
    record TurnTiming(double ttftMs, int promptTokens, int cachedTokens, String content) {}

    private void start() throws Exception {
        int context = parallel * Math.max(1024, turns * (userTokens + replyTokens + 40) + 256);
        node = new LocalNode(LocalNode.model(MODEL, modelPath.toString(), parallel, context, threads, 256), dataDir,
                SessionSettings.defaults(dataDir.resolve("data")), Duration.ofSeconds(300));
        // The digest keys the snapshots; compute it before measuring.
        node.sessions.digests().digest(modelPath).get();
        endpoint = new Endpoint("edgenode", node.baseUri(), MODEL, "");
    }

    private void stop() {
        node.shutdown(Duration.ofSeconds(30)); // flushes the snapshot writer
    }

    private void run() throws Exception {
        long t0 = System.nanoTime();
        start();
        Vocab vocab = node.host.loaded(MODEL).orElseThrow().model().vocab();
        List<List<String>> messages = new ArrayList<>();
        Random rnd = new Random(7);
        for (int s = 0; s <= sessions; s++) {
            List<String> conv = new ArrayList<>();
            for (int t = 0; t < turns + 2; t++) {
                conv.add(message(vocab, rnd));
            }
            messages.add(conv);
        }
        for (int i = 0; i < 3; i++) { // warm-up: JIT, the node's threads, the KV cells
            stateless(List.of(message("user", messages.get(sessions).get(i))));
        }

        // (1) one conversation through a session, (2) the same words stateless
        String single = createSession();
        List<TurnTiming> singleSession = new ArrayList<>();
        for (int t = 0; t < turns; t++) {
            singleSession.add(sessionTurn(single, messages.get(0).get(t)));
        }
        List<TurnTiming> singleStateless = new ArrayList<>();
        List<Message> history = new ArrayList<>();
        for (int t = 0; t < turns; t++) {
            history.add(message("user", messages.get(1).get(t)));
            TurnTiming tt = stateless(history);
            singleStateless.add(tt);
            history.add(message("assistant", tt.content()));
        }

        // (3) interleaved sessions, (4) interleaved stateless
        List<String> ids = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            ids.add(createSession());
        }
        double[][] interleavedSession = new double[turns][sessions];
        int[][] interleavedCached = new int[turns][sessions];
        for (int t = 0; t < turns; t++) {
            for (int s = 0; s < sessions; s++) {
                TurnTiming tt = sessionTurn(ids.get(s), messages.get(s).get(t));
                interleavedSession[t][s] = tt.ttftMs();
                interleavedCached[t][s] = tt.cachedTokens();
            }
        }
        double[][] interleavedStateless = new double[turns][sessions];
        List<List<Message>> histories = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            histories.add(new ArrayList<>());
        }
        for (int t = 0; t < turns; t++) {
            for (int s = 0; s < sessions; s++) {
                List<Message> h = histories.get(s);
                h.add(message("user", messages.get(s).get(t) + " ")); // other words than phase 3: no shared cache
                TurnTiming tt = stateless(h);
                interleavedStateless[t][s] = tt.ttftMs();
                h.add(message("assistant", tt.content()));
            }
        }
        // The last turn of the single session again, in memory (its slot was overwritten: from disk)
        TurnTiming lastInProcess = sessionTurn(single, messages.get(0).get(turns));
        stop();

        // (5) restart: one more turn of every session, restored from the snapshots
        start();
        for (int i = 0; i < 2; i++) {
            stateless(List.of(message("user", messages.get(sessions).get(i))));
        }
        TurnTiming singleAfterRestart = sessionTurn(single, messages.get(0).get(turns + 1));
        double[] afterRestart = new double[sessions];
        int[] afterRestartCached = new int[sessions];
        for (int s = 0; s < sessions; s++) {
            TurnTiming tt = sessionTurn(ids.get(s), messages.get(s).get(turns));
            afterRestart[s] = tt.ttftMs();
            afterRestartCached[s] = tt.cachedTokens();
        }
        stop();

        report(singleSession, singleStateless, interleavedSession, interleavedCached, interleavedStateless,
                lastInProcess, singleAfterRestart, afterRestart, afterRestartCached, (System.nanoTime() - t0) / 1e9);
    }

    private void report(List<TurnTiming> singleSession, List<TurnTiming> singleStateless, double[][] interSession,
            int[][] interCached, double[][] interStateless, TurnTiming lastInProcess, TurnTiming singleAfterRestart,
            double[] afterRestart, int[] afterRestartCached, double seconds) {
        System.out.printf("model %s, threads %d, parallel %d, %d turns, %d sessions, ~%d user tokens, %d reply tokens%n",
                modelPath.getFileName(), threads, parallel, turns, sessions, userTokens, replyTokens);
        System.out.println();
        System.out.println("## One conversation (TTFT ms; prompt tokens / cached)");
        System.out.println("| turn | session TTFT | prompt/cached | stateless TTFT | prompt/cached | stateless/session |");
        System.out.println("|---|---|---|---|---|---|");
        for (int t = 0; t < turns; t++) {
            TurnTiming a = singleSession.get(t);
            TurnTiming b = singleStateless.get(t);
            System.out.printf("| %d | %.1f | %d/%d | %.1f | %d/%d | %.2f |%n", t + 1, a.ttftMs(), a.promptTokens(),
                    a.cachedTokens(), b.ttftMs(), b.promptTokens(), b.cachedTokens(), b.ttftMs() / a.ttftMs());
        }
        System.out.printf("session turn %d / turn 1: %.2f%n", turns, singleSession.get(turns - 1).ttftMs()
                / singleSession.get(0).ttftMs());
        System.out.println();
        System.out.printf("## %d conversations interleaved round-robin over %d sequences (TTFT ms min/median/max)%n",
                sessions, parallel);
        System.out.println("| turn | session | cached (median) | stateless | stateless/session (medians) |");
        System.out.println("|---|---|---|---|---|");
        for (int t = 0; t < turns; t++) {
            double[] a = interSession[t].clone();
            double[] b = interStateless[t].clone();
            int[] c = interCached[t].clone();
            Arrays.sort(a);
            Arrays.sort(b);
            Arrays.sort(c);
            System.out.printf("| %d | %.1f/%.1f/%.1f | %d | %.1f/%.1f/%.1f | %.2f |%n", t + 1, a[0], median(a),
                    a[a.length - 1], c[c.length / 2], b[0], median(b), b[b.length - 1], median(b) / median(a));
        }
        double[] first = interSession[0].clone();
        double[] last = interSession[turns - 1].clone();
        System.out.printf("interleaved session turn %d / turn 1 (medians): %.2f%n", turns, median(last) / median(first));
        System.out.println();
        System.out.println("## Restart (same data directory, new node)");
        double[] r = afterRestart.clone();
        Arrays.sort(r);
        int[] rc = afterRestartCached.clone();
        Arrays.sort(rc);
        System.out.printf("single session: turn %d before restart %.1f ms (cached %d), turn %d after %.1f ms (cached %d):"
                + " %.2fx%n", turns + 1, lastInProcess.ttftMs(), lastInProcess.cachedTokens(), turns + 2,
                singleAfterRestart.ttftMs(), singleAfterRestart.cachedTokens(),
                singleAfterRestart.ttftMs() / lastInProcess.ttftMs());
        System.out.printf("%d sessions, turn %d after restart: TTFT %.1f/%.1f/%.1f ms, cached median %d;"
                + " vs interleaved turn %d in process (median %.1f): %.2fx%n", sessions, turns + 1, r[0], median(r),
                r[r.length - 1], rc[rc.length / 2], turns, median(last), median(r) / median(last));
        System.out.printf("%nwall %.0f s%n", seconds);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** About {@code userTokens} tokens of lowercase words. */
    private String message(Vocab vocab, Random rnd) {
        StringBuilder sb = new StringBuilder();
        while (vocab.tokenize(sb.toString(), false, false).length < userTokens) {
            int len = 2 + rnd.nextInt(7);
            for (int i = 0; i < len; i++) {
                sb.append((char) ('a' + rnd.nextInt(26)));
            }
            sb.append(' ');
        }
        return sb.toString().strip();
    }

    private static Message message(String role, String content) {
        return new Message(role, content);
    }

    private String createSession() throws Exception {
        ChatClient.SessionReply r = client.createSession(endpoint, null);
        if (r.id() == null) {
            throw new IOException("create session: " + r.detail());
        }
        return r.id();
    }

    private TurnTiming sessionTurn(String session, String user) throws Exception {
        return stream(List.of(message("user", user)), session);
    }

    private TurnTiming stateless(List<Message> history) throws Exception {
        return stream(history, null);
    }

    /** One streamed turn, greedy, EOS ignored, exactly {@code replyTokens}. */
    private TurnTiming stream(List<Message> messages, String session) throws Exception {
        RequestResult r = client.chat(endpoint, messages, session,
                new ChatClient.Options(replyTokens, ExactTokens.IGNORE_EOS, true, 0), 0, 0, 0);
        if (!r.ok()) {
            throw new IOException(r.errorKey() + ": " + r.errorDetail());
        }
        if (r.ttftNanos() < 0 || r.promptTokens() < 0) {
            throw new IOException("stream without content or usage");
        }
        return new TurnTiming(r.ttftNanos() / 1e6, r.promptTokens(), Math.max(0, r.cachedTokens()), r.text());
    }
}
