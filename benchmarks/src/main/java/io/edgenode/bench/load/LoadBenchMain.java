package io.edgenode.bench.load;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edgenode bench} / {@code scripts/bench}: the load generator's command line. Drives one or
 * more OpenAI-compatible endpoints with the same workload and writes the report files into
 * {@code --out}. Exit status: 0 when the report was written and every endpoint answered some
 * measured request, 1 when an endpoint answered none (the report is still written), 2 for bad
 * arguments.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        version = "edgenode bench (report format " + JsonReport.FORMAT_VERSION + ")",
        description = {"Load generator for OpenAI-compatible endpoints (this node, llama-server, vLLM, ...).",
                "Sweeps concurrency, measures TTFT, inter-token latency, decode tok/s and end-to-end latency per request,"
                        + " output tok/s and requests/s per level, and writes report.json, requests.jsonl, summary.md"
                        + " and PNG charts; with several --url, a ratio table (first endpoint / each other)."})
public final class LoadBenchMain implements Callable<Integer> {
    @Option(names = "--url", required = true, paramLabel = "URL",
            description = "Base URL of an endpoint (http://127.0.0.1:8080); repeat to compare endpoints.")
    List<URI> urls;

    @Option(names = "--name", paramLabel = "NAME", description = "Label of each --url, in order (default: host:port).")
    List<String> names = new ArrayList<>();

    @Option(names = "--model", paramLabel = "ID",
            description = "Model id to request: once for all endpoints or once per --url (default: the first id of GET /v1/models).")
    List<String> models = new ArrayList<>();

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:EDGENODE_BENCH_API_KEY}",
            description = "Sent as 'Authorization: Bearer KEY' (default: $EDGENODE_BENCH_API_KEY).")
    String apiKey;

    @Option(names = "--concurrency", split = ",", paramLabel = "N", defaultValue = "1,2,4,8",
            description = "Concurrency sweep (default: ${DEFAULT-VALUE}).")
    List<Integer> concurrency;

    @Option(names = "--requests", paramLabel = "N", defaultValue = "32",
            description = "Requests per level and repeat (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--duration", paramLabel = "SECONDS",
            description = "Run each level this long instead of a request count.")
    Double durationSeconds;

    @Option(names = "--prompt-tokens", paramLabel = "N", defaultValue = "128",
            description = "Prompt length of a first turn, calibrated per endpoint (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "128",
            description = "Output tokens per request (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--exact-tokens", paramLabel = "MODE", defaultValue = "ignore_eos",
            description = "How to ask for exactly --max-tokens: ignore_eos (llama.cpp, this node, vLLM), min_tokens (vLLM),"
                    + " both, none (default: ${DEFAULT-VALUE}).")
    ExactTokens exactTokens;

    @Option(names = "--stream", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Stream with SSE (default: on; TTFT and ITL need it).")
    boolean stream;

    @Option(names = "--turns", paramLabel = "N", defaultValue = "1",
            description = "Turns per conversation, the history growing each turn (default: ${DEFAULT-VALUE}).")
    int turns;

    @Option(names = "--sessions", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Multi-turn through POST /v1/sessions and session_id where the endpoint has them"
                    + " (default: on; --no-sessions sends the full history).")
    boolean sessions;

    @Option(names = "--system-prompt-ratio", paramLabel = "R", defaultValue = "0",
            description = "Share (0..1) of the prompt that is a system prompt shared by every request (default: ${DEFAULT-VALUE}).")
    double systemPromptRatio;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2",
            description = "Warm-up requests per endpoint, excluded (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "1",
            description = "Runs of every level; throughputs get min/median/max (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0", description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Seed of the prompt text (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "5", description = "Default: ${DEFAULT-VALUE}.")
    double connectTimeout;

    @Option(names = "--response-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Send to response headers (default: ${DEFAULT-VALUE}).")
    double responseTimeout;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Longest silence inside a response body (default: ${DEFAULT-VALUE}).")
    double idleTimeout;

    @Option(names = "--request-timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "Whole request (default: ${DEFAULT-VALUE}).")
    double requestTimeout;

    @Option(names = "--out", paramLabel = "DIR", description = "Report folder (default: target/bench/<date-time>).")
    Path out;

    private final PrintStream log;
    private final List<String> arguments;

    LoadBenchMain(PrintStream log, List<String> arguments) {
        this.log = log;
        this.arguments = arguments;
    }

    public static void main(String[] args) {
        System.exit(run(System.err, args));
    }

    /** Runs the command with {@code args}, progress and errors on {@code log}; returns the exit status. */
    public static int run(PrintStream log, String... args) {
        CommandLine cl = new CommandLine(new LoadBenchMain(log, List.of(args)));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setErr(new java.io.PrintWriter(log, true));
        return cl.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        Timeouts timeouts;
        Workload workload;
        try {
            timeouts = new Timeouts(seconds(connectTimeout), seconds(responseTimeout), seconds(idleTimeout),
                    seconds(requestTimeout));
            workload = new Workload(concurrency, requests, durationSeconds == null ? null : seconds(durationSeconds),
                    promptTokens, maxTokens, exactTokens, stream, turns, sessions, systemPromptRatio, warmup, repeats,
                    temperature, seed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
        Path dir = out != null ? out
                : Path.of("target", "bench", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmmss")));
        LoadReport report;
        try (ChatClient client = new ChatClient(timeouts)) {
            List<Endpoint> endpoints = endpoints(client);
            report = LoadReport.of(new LoadRunner(client, workload, log).run(endpoints), RunMeta.current(arguments));
        }
        for (Path p : report.write(dir)) {
            log.println("wrote " + p);
        }
        int status = 0;
        for (var e : report.levels().entrySet()) {
            if (e.getValue().stream().mapToInt(LevelSummary::ok).sum() == 0) {
                log.println("bench: " + e.getKey() + " answered no measured request successfully (see " + dir.resolve(
                        LoadReport.MARKDOWN) + ")");
                status = 1;
            }
        }
        return status;
    }

    private List<Endpoint> endpoints(ChatClient client) throws InterruptedException {
        if (!names.isEmpty() && names.size() != urls.size()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--name: give one per --url (" + urls.size() + ")");
        }
        if (models.size() > 1 && models.size() != urls.size()) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--model: give one for all endpoints or one per --url (" + urls.size() + ")");
        }
        List<Endpoint> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < urls.size(); i++) {
            URI u = urls.get(i);
            if (u.getScheme() == null || !u.getScheme().startsWith("http") || u.getHost() == null) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--url: not an http(s) URL: " + u);
            }
            String name = names.isEmpty() ? u.getHost() + ":" + u.getPort() : names.get(i);
            if (!seen.add(name)) {
                name = name + "#" + (i + 1);
            }
            String model = models.isEmpty() ? null : models.get(models.size() == 1 ? 0 : i);
            Endpoint e = new Endpoint(name, u, model == null ? "" : model, apiKey);
            if (model == null) {
                List<String> served = client.models(e);
                if (served.isEmpty()) {
                    throw new CommandLine.ParameterException(new CommandLine(this),
                            "--model: not given and " + e.resolve("v1/models") + " lists none");
                }
                e = new Endpoint(name, u, served.get(0), apiKey);
            }
            out.add(e);
        }
        return out;
    }

    private static Duration seconds(double s) {
        if (!(s > 0)) {
            throw new IllegalArgumentException("timeouts and durations must be positive: " + s);
        }
        return Duration.ofNanos((long) (s * 1e9));
    }
}
