package io.edgenode.bench.store;

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
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cold start of a node serving one model (issue 6's benchmark): {@code edgenode serve} as a child
 * process, timed from process start to "serving", to {@code /ready}, and to the first token of
 * the first request; with {@code preload: true} (loaded at boot) and {@code preload: false}
 * (loaded by the first request). Before each run the page cache is dropped when this process may
 * ({@code /proc/sys/vm/drop_caches}, root), so the weights come from disk; the report says
 * whether it could.
 *
 * <p>Usage: {@code BootBench EDGENODE_JAR MODEL.gguf [repeats] [threads]}
 */
public final class BootBench {
    private static final Pattern SERVING = Pattern.compile("serving on http://127\\.0\\.0\\.1:(\\d+)");
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private BootBench() {}

    record Run(double servingMs, double readyMs, double firstTokenMs, double firstRequestTtftMs) {}

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]).toAbsolutePath();
        Path model = Path.of(args[1]).toAbsolutePath();
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        boolean cold = true;
        for (boolean preload : new boolean[] {true, false}) {
            Run[] runs = new Run[repeats];
            for (int i = 0; i < repeats; i++) {
                cold &= dropPageCache();
                runs[i] = boot(jar, model, preload, threads);
            }
            System.out.printf("preload %s, %s page cache, %d runs (ms min/median/max):%n", preload,
                    cold ? "dropped" : "WARM (could not drop the)", repeats);
            System.out.printf("  process start -> serving:        %s%n", stats(runs, Run::servingMs));
            System.out.printf("  process start -> /ready:         %s%n", stats(runs, Run::readyMs));
            System.out.printf("  process start -> first token:   %s%n", stats(runs, Run::firstTokenMs));
            System.out.printf("  first request's TTFT:            %s%n", stats(runs, Run::firstRequestTtftMs));
        }
        System.out.printf("model %s (%.1f MiB), threads %d%n", model.getFileName(), Files.size(model) / 1048576.0,
                threads);
    }

    private static Run boot(Path jar, Path model, boolean preload, int threads) throws Exception {
        Path dir = Files.createTempDirectory("edgenode-boot-bench");
        Path config = Files.writeString(dir.resolve("models.yaml"), """
                server: {host: 127.0.0.1, port: 0, data_dir: data}
                models:
                  - id: bench
                    path: %s
                    parallel: 8
                    context: 4096
                    threads: %d
                    preload: %s
                """.formatted(model, threads, preload));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(), "serve",
                "--config", config.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            int port = -1;
            StringBuilder log = new StringBuilder();
            for (String line; port < 0 && (line = out.readLine()) != null; ) {
                log.append(line).append('\n');
                Matcher m = SERVING.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            if (port < 0) {
                throw new IOException("node did not start:\n" + log);
            }
            long serving = System.nanoTime();
            Thread.ofVirtual().start(() -> {
                try {
                    out.lines().forEach(l -> { });
                } catch (java.io.UncheckedIOException e) {
                    // the child was stopped: its pipe closed
                }
            });
            URI base = URI.create("http://127.0.0.1:" + port);
            while (CLIENT.send(HttpRequest.newBuilder(base.resolve("/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
                Thread.sleep(5);
            }
            long ready = System.nanoTime();
            String body = "{\"model\":\"bench\",\"stream\":true,\"max_tokens\":4,\"ignore_eos\":true,\"temperature\":0,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]}";
            long sent = System.nanoTime();
            HttpResponse<InputStream> r = CLIENT.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(300)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            long first = -1;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (first < 0 && line.contains("\"content\":\"") && !line.contains("\"content\":\"\"")) {
                        first = System.nanoTime();
                    }
                }
            }
            if (r.statusCode() != 200 || first < 0) {
                throw new IOException("first request failed: HTTP " + r.statusCode());
            }
            return new Run(ms(serving - t0), ms(ready - t0), ms(first - t0), ms(first - sent));
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }

    private static boolean dropPageCache() {
        try {
            new ProcessBuilder("sync").start().waitFor();
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "1");
            return true;
        } catch (IOException | InterruptedException | RuntimeException e) {
            return false;
        }
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static String stats(Run[] runs, java.util.function.ToDoubleFunction<Run> f) {
        double[] v = Arrays.stream(runs).mapToDouble(f).sorted().toArray();
        return String.format("%.0f / %.0f / %.0f", v[0], v[v.length / 2], v[v.length - 1]);
    }
}
