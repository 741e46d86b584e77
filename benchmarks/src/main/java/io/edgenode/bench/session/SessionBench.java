package io.edgenode.bench.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.Vocab;
import io.edgenode.server.config.NodeConfig;
import io.edgenode.server.config.NodeConfigReader;
import io.edgenode.server.http.HttpNode;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.node.ModelHost;
import io.edgenode.server.session.SessionService;
import io.edgenode.server.session.SessionSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "bench";

    private final Path modelPath;
    private final int threads;
    private final int parallel;
    private final int turns;
    private final int sessions;
    private final int userTokens;
    private final int replyTokens;
    private final Path dataDir;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private ModelHost host;
    private HttpNode node;
    private URI base;

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
        String yaml = "server:\n  host: 127.0.0.1\n  port: 0\n  data_dir: data\nmodels:\n  - id: " + MODEL + "\n"
                + "    path: " + modelPath + "\n    parallel: " + parallel + "\n    context: " + context + "\n"
                + "    threads: " + threads + "\n    max_batch_tokens: 256\n    max_queue: 64\n    default: true\n";
        NodeConfig config = NodeConfigReader.parse(yaml, dataDir, "session-bench.yaml");
        host = new ModelHost(LlamaLibrary.load(), config);
        host.startLoading();
        SessionService service = SessionService.start(SessionSettings.defaults(dataDir.resolve("data")));
        node = HttpNode.start(config.server(), host, new ServerMetrics(), service);
        if (!host.awaitReady(Duration.ofSeconds(300))) {
            throw new IOException("model did not load");
        }
        // The digest keys the snapshots; compute it before measuring.
        service.digests().digest(modelPath).get();
        base = URI.create("http://127.0.0.1:" + node.port());
    }

    private void stop() {
        node.shutdown(Duration.ofSeconds(30)); // flushes the snapshot writer
    }

    private void run() throws Exception {
        long t0 = System.nanoTime();
        start();
        Vocab vocab = host.loaded(MODEL).orElseThrow().model().vocab();
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
        List<ObjectNode> history = new ArrayList<>();
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
        List<List<ObjectNode>> histories = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            histories.add(new ArrayList<>());
        }
        for (int t = 0; t < turns; t++) {
            for (int s = 0; s < sessions; s++) {
                List<ObjectNode> h = histories.get(s);
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

    private static ObjectNode message(String role, String content) {
        ObjectNode m = JSON.createObjectNode();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    private String createSession() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve("/v1/sessions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + MODEL + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("create session: " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body()).get("id").asText();
    }

    private TurnTiming sessionTurn(String session, String user) throws Exception {
        ObjectNode b = body(List.of(message("user", user)));
        b.put("session_id", session);
        return stream(b);
    }

    private TurnTiming stateless(List<ObjectNode> history) throws Exception {
        return stream(body(history));
    }

    private ObjectNode body(List<ObjectNode> messages) {
        ObjectNode b = JSON.createObjectNode();
        b.put("model", MODEL);
        b.put("stream", true);
        b.putObject("stream_options").put("include_usage", true);
        b.put("max_tokens", replyTokens);
        b.put("ignore_eos", true);
        b.put("temperature", 0);
        ArrayNode a = b.putArray("messages");
        messages.forEach(a::add);
        return b;
    }

    private TurnTiming stream(ObjectNode body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                .timeout(Duration.ofSeconds(300))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        long start = System.nanoTime();
        HttpResponse<InputStream> r = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            throw new IOException("HTTP " + r.statusCode() + ": " + new String(r.body().readAllBytes(),
                    StandardCharsets.UTF_8));
        }
        long first = -1;
        StringBuilder content = new StringBuilder();
        JsonNode usage = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                if (line.equals("data: [DONE]")) {
                    break;
                }
                JsonNode chunk = JSON.readTree(line.substring(6));
                if (chunk.has("error")) {
                    throw new IOException("error event: " + line);
                }
                JsonNode delta = chunk.at("/choices/0/delta/content");
                if (!delta.isMissingNode() && !delta.asText().isEmpty()) {
                    if (first < 0) {
                        first = System.nanoTime();
                    }
                    content.append(delta.asText());
                }
                if (chunk.hasNonNull("usage")) {
                    usage = chunk.get("usage");
                }
            }
        }
        if (usage == null || first < 0) {
            throw new IOException("stream without content or usage");
        }
        return new TurnTiming((first - start) / 1e6, usage.get("prompt_tokens").asInt(),
                usage.at("/prompt_tokens_details/cached_tokens").asInt(), content.toString());
    }
}
