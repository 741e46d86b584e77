package io.edgenode.bench.load;

import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Used by one thread (its load clients are virtual threads of its own): drives a {@link Workload}
 * against one or more endpoints. Per endpoint, calibration of the prompt
 * length, a sessions probe (multi-turn only) and warm-up (all excluded from figures); then for each
 * repeat and concurrency level every endpoint in turn, so that drifts of a shared machine touch
 * all endpoints alike. Each level run has {@code concurrency} clients on virtual threads taking
 * conversations from a shared counter.
 */
public final class LoadRunner {
    /** Seed offset of the system prompt that every request shares. */
    private static final long SYSTEM_SEED = 0x5EED_5157L;

    private final ChatClient client;
    private final Workload workload;
    private final PrintStream log;

    public LoadRunner(ChatClient client, Workload workload, PrintStream log) {
        this.client = Objects.requireNonNull(client, "client");
        this.workload = Objects.requireNonNull(workload, "workload");
        this.log = Objects.requireNonNull(log, "log");
    }

    /** What the preparation learnt about one endpoint. Immutable. */
    public record EndpointInfo(Endpoint endpoint, List<String> servedModels, PromptShape shape, boolean sessions,
            String sessionsNote, int warmupErrors, String warmupNote) {}

    /** The requests of one level run, in completion order. Immutable. */
    public record LevelRun(String endpoint, int concurrency, int repeat, long wallNanos, List<RequestResult> results) {}

    /** Everything a report is made of. Immutable. */
    public record Outcome(Workload workload, List<EndpointInfo> endpoints, List<LevelRun> runs, Instant started,
            Instant finished) {}

    public Outcome run(List<Endpoint> endpoints) throws InterruptedException {
        Instant started = Instant.now();
        List<EndpointInfo> infos = new ArrayList<>();
        for (Endpoint e : endpoints) {
            infos.add(prepare(e));
        }
        List<LevelRun> runs = new ArrayList<>();
        for (int r = 1; r <= workload.repeats(); r++) {
            for (int c : workload.concurrency()) {
                for (EndpointInfo info : infos) {
                    LevelRun run = runLevel(info, c, r);
                    runs.add(run);
                    long errors = run.results().stream().filter(x -> !x.ok()).count();
                    long tokens = run.results().stream().filter(RequestResult::ok)
                            .mapToLong(RequestResult::completionTokens).sum();
                    log.printf("%s  concurrency %d  repeat %d: %d requests, %d errors, %.1f output tok/s, %.2f s%n",
                            info.endpoint().name(), c, r, run.results().size(), errors,
                            tokens / (run.wallNanos() / 1e9), run.wallNanos() / 1e9);
                }
            }
        }
        return new Outcome(workload, List.copyOf(infos), List.copyOf(runs), started, Instant.now());
    }

    private ChatClient.Options options(int maxTokens) {
        return new ChatClient.Options(maxTokens, workload.exactTokens(), workload.stream(), workload.temperature());
    }

    /** Served models, prompt calibration, sessions probe, warm-up. */
    EndpointInfo prepare(Endpoint e) throws InterruptedException {
        List<String> served = client.models(e);
        int[] counts = new int[2];
        int[] words = {PromptShape.SHORT_WORDS, PromptShape.LONG_WORDS};
        for (int i = 0; i < 2; i++) {
            RequestResult r = client.chat(e, List.of(new Message("user", PromptText.words(workload.seed() - 1, words[i]))),
                    null, options(1), -1, 1, System.nanoTime());
            counts[i] = r.ok() ? r.promptTokens() : -1;
            if (!r.ok()) {
                log.printf("%s: calibration request failed (%s: %s)%n", e.name(), r.errorKey(), r.errorDetail());
            }
        }
        PromptShape shape = PromptShape.fit(workload.promptTokens(), workload.systemPromptRatio(), counts[0], counts[1]);
        if (shape.calibrated()) {
            List<Message> check = new ArrayList<>();
            String system = systemPrompt(shape);
            if (system != null) {
                check.add(new Message("system", system));
            }
            check.add(new Message("user", PromptText.words(workload.seed() - 2, shape.userWords())));
            RequestResult r = client.chat(e, check, null, options(1), -1, 1, System.nanoTime());
            shape = shape.corrected(workload.promptTokens(), r.ok() ? r.promptTokens() : -1);
        }
        boolean sessions = false;
        String note = "";
        if (workload.turns() > 1) {
            if (!workload.useSessions()) {
                note = "sessions off (--no-sessions): full history every turn";
            } else {
                ChatClient.SessionReply reply = client.createSession(e, systemPrompt(shape));
                if (reply.id() != null) {
                    sessions = true;
                    note = "session_id (POST /v1/sessions)";
                    client.deleteSession(e, reply.id());
                } else {
                    note = reply.unsupported()
                            ? "no sessions API (HTTP " + reply.status() + "): full history every turn"
                            : "sessions API failed (" + reply.detail() + "): full history every turn";
                }
            }
        }
        int warmupErrors = 0;
        String warmupNote = "";
        EndpointInfo probe = new EndpointInfo(e, served, shape, false, note, 0, "");
        for (int i = 0; i < workload.warmupRequests(); i++) {
            List<RequestResult> rs = new ArrayList<>();
            conversation(probe, 1, 0, -1 - i, System.nanoTime(), Long.MAX_VALUE, 1, rs);
            for (RequestResult r : rs) {
                if (!r.ok()) {
                    warmupErrors++;
                    warmupNote = r.errorKey() + ": " + r.errorDetail();
                }
            }
        }
        log.printf("%s: %s, served models %s, %d+%d words per first turn (%.2f tokens/word%s), %s%n", e.name(),
                e.baseUri(), served, shape.systemWords(), shape.userWords(), shape.tokensPerWord(),
                shape.calibrated() ? "" : ", NOT calibrated: no usage reported",
                note.isEmpty() ? "single turn" : note);
        return new EndpointInfo(e, served, shape, sessions, note, warmupErrors, warmupNote);
    }

    private String systemPrompt(PromptShape shape) {
        return shape.systemWords() == 0 ? null : PromptText.words(workload.seed() ^ SYSTEM_SEED, shape.systemWords());
    }

    LevelRun runLevel(EndpointInfo info, int concurrency, int repeat) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        ConcurrentLinkedQueue<RequestResult> results = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        long deadline = workload.duration() == null ? Long.MAX_VALUE : start + workload.duration().toNanos();
        int conversations = workload.duration() == null ? workload.conversations() : Integer.MAX_VALUE;
        List<Future<?>> clients = new ArrayList<>();
        // close() waits for every client; each request is bounded by the client's timeouts, so this ends.
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < concurrency; i++) {
                clients.add(exec.submit(() -> {
                    for (int conv = next.getAndIncrement(); conv < conversations && System.nanoTime() < deadline;
                            conv = next.getAndIncrement()) {
                        List<RequestResult> mine = new ArrayList<>();
                        conversation(info, concurrency, repeat, conv, start, deadline, workload.turns(), mine);
                        results.addAll(mine);
                    }
                    return null;
                }));
            }
        }
        for (Future<?> f : clients) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("load client failed", e.getCause());
            }
        }
        List<RequestResult> all = List.copyOf(results);
        long wall = all.stream().mapToLong(r -> r.startNanos() + r.e2eNanos()).max().orElse(System.nanoTime() - start);
        return new LevelRun(info.endpoint().name(), concurrency, repeat, Math.max(1, wall), all);
    }

    /**
     * One conversation of {@code turns} turns; stops at its first failed turn (the history would be
     * wrong) and, in duration mode, starts no turn after the deadline.
     */
    private void conversation(EndpointInfo info, int concurrency, int repeat, int conv, long levelStart, long deadline,
            int turns, List<RequestResult> out) throws InterruptedException {
        Endpoint e = info.endpoint();
        String system = systemPrompt(info.shape());
        List<Message> history = new ArrayList<>();
        String sessionId = null;
        if (turns > 1 && info.sessions()) {
            long t0 = System.nanoTime();
            ChatClient.SessionReply reply = client.createSession(e, system);
            if (reply.id() == null) {
                out.add(RequestResult.failed(conv, 1, t0 - levelStart, System.nanoTime() - t0, ErrorKind.SESSION,
                        reply.status(), reply.detail()));
                return;
            }
            sessionId = reply.id();
        } else if (system != null) {
            history.add(new Message("system", system));
        }
        try {
            for (int t = 1; t <= turns; t++) {
                if (t > 1 && System.nanoTime() >= deadline) {
                    return;
                }
                Message user = new Message("user", PromptText.words(
                        PromptText.seed(workload.seed(), repeat, concurrency, conv, t), info.shape().userWords()));
                List<Message> send = new ArrayList<>(sessionId != null ? List.of() : history);
                send.add(user);
                RequestResult r = client.chat(e, send, sessionId, options(workload.maxTokens()), conv, t, levelStart);
                out.add(r);
                if (!r.ok()) {
                    return;
                }
                history.add(user);
                history.add(new Message("assistant", r.text()));
            }
        } finally {
            if (sessionId != null) {
                client.deleteSession(e, sessionId);
            }
        }
    }
}
