package io.edgenode.bench.gateway;

import io.edgenode.bench.common.LocalNode;
import io.edgenode.bench.common.Stats;
import io.edgenode.core.engine.Usage;
import io.edgenode.server.config.GatewaySettings;
import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.config.NodeConfigReader;
import io.edgenode.server.gateway.Admission;
import io.edgenode.server.gateway.Budget;
import io.edgenode.server.gateway.BudgetPeriod;
import io.edgenode.server.gateway.EndpointGroup;
import io.edgenode.server.gateway.Gateway;
import io.edgenode.server.gateway.KeyLimits;
import io.edgenode.server.gateway.KeyScopes;
import io.edgenode.server.gateway.Outcome;
import io.edgenode.server.gateway.Principal;
import io.edgenode.server.session.ModelDigests;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the gateway costs a request, measured three ways, each side by side with the same work
 * without it, alternating the two sides for several rounds:
 * <ol>
 *   <li>the stages in-process: authenticate + admit + reserve + record (the ledger row queued) for
 *       a key with rate limits and a budget, against the keyless path through the same calls;</li>
 *   <li>the ledger's write throughput: rows recorded from one thread until the writer has
 *       committed them all (batched transactions, fsync per commit);</li>
 *   <li>over HTTP on a real node: time to first byte of a cache HIT, against a live generation of
 *       the same request on a node without the gateway (fresh prompts each round for the live side,
 *       so no prefix cache serves it), and a keyed request's added latency.</li>
 * </ol>
 *
 * <pre>java -cp benchmarks.jar io.edgenode.bench.gateway.GatewayBench [rounds] [opsPerRound]</pre>
 */
public final class GatewayBench {
    private GatewayBench() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int ops = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        Path dir = Files.createTempDirectory("gateway-bench");
        stages(dir.resolve("stages"), rounds, ops);
        ledger(dir.resolve("ledger"), rounds);
        http(dir.resolve("http"), rounds);
    }

    static void stages(Path dir, int rounds, int ops) {
        ModelSpec spec = NodeConfigReader.parse("models:\n  - {id: m, path: m.gguf}\n", dir, "bench.yaml").models()
                .getFirst();
        GatewaySettings settings = NodeConfigReader.parse("models:\n  - {id: m, path: m.gguf}\ngateway:\n"
                + "  prices: {m: {input: 0.1, output: 0.4, compute_per_second: 0.001}}\n", dir, "bench.yaml").gateway();
        try (Gateway gw = Gateway.open(dir, settings, new PrometheusRegistry(), new ModelDigests(dir),
                name -> Optional.of(spec))) {
            var created = gw.keys().create("bench", KeyScopes.DEFAULT, new KeyLimits(Integer.MAX_VALUE,
                    KeyLimits.MAX_PER_MINUTE, false, new Budget(Budget.nanoUsd(1e9), 0, BudgetPeriod.MONTH)));
            String header = "Bearer " + created.secret();
            Usage usage = new Usage(100, 20, 100, 0, 0, 0, 0, 5_000_000);
            List<Double> keyedP50 = new ArrayList<>();
            List<Double> keyedP99 = new ArrayList<>();
            List<Double> keylessP50 = new ArrayList<>();
            List<Double> keylessP99 = new ArrayList<>();
            for (int round = 0; round <= rounds; round++) { // round 0 warms up
                for (boolean keyed : new boolean[] {round % 2 == 0, round % 2 != 0}) {
                    List<Double> micros = new ArrayList<>(ops);
                    for (int i = 0; i < ops; i++) {
                        long t0 = System.nanoTime();
                        Principal p = keyed ? gw.authenticate(header, EndpointGroup.INFERENCE) : Principal.KEYLESS;
                        Admission a = gw.admission(p, new Admission.Request("req_" + i, "chat_completions", "m",
                                "user-" + (i % 16), null, null, System.currentTimeMillis()));
                        a.admit("a prompt of a few words");
                        a.reserve(spec, 100, 100);
                        a.complete(new Outcome("m", 0, 200, null, System.currentTimeMillis(), usage, null));
                        micros.add((System.nanoTime() - t0) / 1e3);
                    }
                    if (round > 0) {
                        (keyed ? keyedP50 : keylessP50).add(Stats.percentile(micros, 50));
                        (keyed ? keyedP99 : keylessP99).add(Stats.percentile(micros, 99));
                    }
                }
                gw.flushLedger();
            }
            System.out.printf("stages (authenticate + admit + reserve + record), %d ops x %d rounds, us per request"
                    + " (min / median / max over rounds):%n", ops, rounds);
            System.out.println("  keyed   p50 " + Stats.mmm(keyedP50, "%.2f") + "  p99 " + Stats.mmm(keyedP99, "%.2f"));
            System.out.println("  keyless p50 " + Stats.mmm(keylessP50, "%.2f") + "  p99 " + Stats.mmm(keylessP99, "%.2f"));
        }
    }

    static void ledger(Path dir, int rounds) {
        GatewaySettings settings = GatewaySettings.DEFAULTS;
        List<Double> rate = new ArrayList<>();
        try (Gateway gw = Gateway.open(dir, settings, new PrometheusRegistry(), new ModelDigests(dir),
                name -> Optional.empty())) {
            int rows = 50_000;
            for (int round = 0; round <= rounds; round++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < rows; i++) {
                    gw.admission(Principal.KEYLESS, new Admission.Request("r" + round + "-" + i, "chat_completions",
                            "m", "u", null, "{\"team\":\"bench\"}", System.currentTimeMillis()))
                            .complete(new Outcome("m", 0, 200, null, 0, new Usage(10, 0, 10, 0, 0, 0, 0, 1000), null));
                }
                gw.flushLedger();
                double perSecond = rows / ((System.nanoTime() - t0) / 1e9);
                if (round > 0) {
                    rate.add(perSecond);
                }
            }
        }
        System.out.println("ledger: rows per second recorded and committed (50,000 per round, batch 512): "
                + Stats.mmm(rate, "%.0f"));
    }

    static void http(Path dir, int rounds) throws Exception {
        String model = "  - id: tiny\n    path: models/tiny-q8_0.gguf\n    synthetic: {preset: tiny, quant: q8_0}\n"
                + "    parallel: 2\n    context: 2048\n    threads: 2\n    max_batch_tokens: 128\n    max_queue: 64\n"
                + "    default: true\n";
        HttpClient client = HttpClient.newHttpClient();
        List<Double> hit = new ArrayList<>();
        List<Double> live = new ArrayList<>();
        List<Double> keyedLive = new ArrayList<>();
        try (LocalNode plain = new LocalNode(model, dir.resolve("plain"), null, Duration.ofMinutes(2));
                LocalNode gated = new LocalNode(model, dir.resolve("gated"), null, Duration.ofMinutes(2),
                        "  cache: {enabled: true, ttl: 10m}\n")) {
            var key = gated.gateway.keys().create("bench", KeyScopes.DEFAULT, new KeyLimits(100_000, 100_000_000L,
                    false, KeyLimits.NO_BUDGET));
            String cached = body("the cached question", 16);
            send(client, gated.baseUri(), cached, key.secret()); // fills the cache
            for (int round = 0; round <= rounds * 4; round++) {
                String fresh = body("round " + round + " " + Long.toHexString(System.nanoTime()), 16);
                double[] order = round % 2 == 0
                        ? new double[] {send(client, plain.baseUri(), fresh, null),
                                send(client, gated.baseUri(), cached, key.secret()),
                                send(client, gated.baseUri(), fresh + " ", key.secret())}
                        : new double[] {send(client, gated.baseUri(), cached, key.secret()),
                                send(client, gated.baseUri(), fresh + " ", key.secret()),
                                send(client, plain.baseUri(), fresh, null)};
                if (round > 0) {
                    live.add(order[round % 2 == 0 ? 0 : 2]);
                    hit.add(order[round % 2 == 0 ? 1 : 0]);
                    keyedLive.add(order[round % 2 == 0 ? 2 : 1]);
                }
            }
        }
        System.out.printf("http, tiny synthetic model (q8_0), 2 threads, %d rounds, time to first streamed content"
                + " (ms, min / median / max; p50 of the hit %.2f ms):%n", rounds * 4, Stats.percentile(hit, 50));
        System.out.println("  cache HIT (gateway, key)         " + Stats.mmm(hit, "%.2f"));
        System.out.println("  live, gateway with a key        " + Stats.mmm(keyedLive, "%.2f"));
        System.out.println("  live, no gateway                 " + Stats.mmm(live, "%.2f"));
    }

    private static String body(String question, int maxTokens) {
        return "{\"model\":\"tiny\",\"stream\":true,\"temperature\":0,\"ignore_eos\":true,\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
    }

    /** Milliseconds to the first content delta of a streamed chat request. */
    private static double send(HttpClient client, URI base, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        double first = -1;
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(r.body()))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (first < 0 && line.contains("\"content\":\"")) {
                    first = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        if (r.statusCode() != 200 || first < 0) {
            throw new IllegalStateException("request failed: " + r.statusCode());
        }
        return first;
    }
}
