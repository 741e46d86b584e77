package io.edgenode.server.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.server.jobs.JobClock;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.workflow.WorkflowStoreException.Kind;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * The owner of workflow progress: {@link #tick()} runs on one thread, the {@code edgenode-workflows} virtual thread
 * started by {@link #start()} (or a test's thread driving a fake clock); {@link #deliver}, {@link #cancel} and step
 * completions come from any thread.
 *
 * <p><b>Two locks.</b> {@code transitions} serializes every change of a workflow's state (the engine thread's steps,
 * a delivered event, a cancel), so the store needs no compare-and-set: each transition reads the row, decides, and
 * {@link WorkflowStore#commit commits} the workflow row with its step row in one transaction before anything else
 * happens. {@code lock} guards only the in-memory queues and is never held across store I/O; order: transitions,
 * then lock, never the reverse.
 *
 * <p><b>Holding nothing while waiting.</b> A sleep, a wait for an event, a retry's backoff are a WAITING row with a
 * {@code wake_at} and one entry in an ordered set of wake times: no thread or timer per workflow, so a sleep of days
 * costs one small object. {@code turn} and {@code http} steps go to the {@link StepRunner}, never waited for; their
 * outcomes land in an inbox that the next tick drains. The other step types are decided here at once.
 *
 * <p><b>Restart.</b> {@link #recover()} queues every RUNNING workflow (its step, if begun, was interrupted: it runs
 * again as the next attempt with the same idempotency key; one attempt beyond the retry limit is allowed for this,
 * then the workflow fails) and arms every WAITING one at its stored absolute {@code wake_at} (a sleep that ended
 * while the node was down goes on at the first tick). Completed steps never run again: their rows are committed.
 *
 * <p><b>Store failures.</b> A transition that cannot be committed changed nothing; the workflow is tried again
 * {@link #STORE_RETRY_MILLIS} later. An outcome that cannot be recorded leaves its step RUNNING in the store: the
 * next start runs it again (at least once).
 */
public final class WorkflowEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WorkflowEngine.class.getName());
    /** Steps one workflow may execute (loops through branches included) before it FAILS with "step limit". */
    public static final int MAX_EXECUTED_STEPS = 1_000;
    /** Events kept for one workflow before a wait asks for them; more are refused (409). */
    public static final int MAX_BUFFERED_EVENTS = 100;
    static final long MAX_WAIT_MILLIS = 60_000;
    static final long STORE_RETRY_MILLIS = 5_000;
    /** Rounds of one tick: completions that arrive while a tick runs (a runner that completes at once) are taken. */
    private static final int MAX_ROUNDS = 10_000;

    private record Wake(long at, String id) {}

    private record Completion(String workflowId, int seq, int attempt, StepOutcome outcome) {}

    private record InFlight(int seq, int attempt) {}

    /** A step's fields after templating, or why they cannot be sent. */
    private record Rendered(ObjectNode fields, String refusal) {}

    private static final Comparator<Wake> BY_TIME = Comparator.comparingLong(Wake::at).thenComparing(Wake::id);

    private final WorkflowStore store;
    private final StepRunner runner;
    private final WorkflowListener listener;
    private final JobClock clock;
    private final Predicate<URI> httpAllowed;

    private final ReentrantLock transitions = new ReentrantLock();
    /** Guarded by transitions: parsed definitions of unfinished workflows. */
    private final Map<String, WorkflowDefinition> definitions = new HashMap<>();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    /** Guarded by lock: workflows to move on at the next tick. */
    private final LinkedHashSet<String> ready = new LinkedHashSet<>();
    /** Guarded by lock: WAITING workflows by wake time, and each one's entry. */
    private final TreeSet<Wake> wakes = new TreeSet<>(BY_TIME);
    private final Map<String, Wake> wakeById = new HashMap<>();
    /** Guarded by lock: outcomes not yet recorded; bounded by the steps in flight. */
    private final ArrayDeque<Completion> completions = new ArrayDeque<>();
    /** Guarded by lock: the attempt each workflow has at the runner. */
    private final Map<String, InFlight> inFlight = new HashMap<>();
    /** Guarded by lock. */
    private boolean poked;
    private Thread thread;
    private volatile boolean closed;

    public WorkflowEngine(WorkflowStore store, StepRunner runner, WorkflowListener listener, JobClock clock,
            Predicate<URI> httpAllowed) {
        this.store = Objects.requireNonNull(store, "store");
        this.runner = Objects.requireNonNull(runner, "runner");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.httpAllowed = Objects.requireNonNull(httpAllowed, "httpAllowed");
    }

    /** {@link #recover()}, then starts the {@code edgenode-workflows} thread. Call once. */
    public void start() throws WorkflowStoreException {
        recover();
        lock.lock();
        try {
            if (thread != null || closed) {
                throw new IllegalStateException("already started or closed");
            }
            thread = Thread.ofVirtual().name("edgenode-workflows").start(this::loop);
        } finally {
            lock.unlock();
        }
    }

    /** Loads every unfinished workflow after a restart (see the class comment). Call once, before the first tick. */
    public void recover() throws WorkflowStoreException {
        for (WorkflowRecord w : store.active()) {
            if (w.status() == WorkflowStatus.WAITING) {
                schedule(w.id(), w.wakeAt());
            } else {
                markReady(w.id());
            }
        }
    }

    /** Starts moving a workflow just stored by {@link WorkflowStore#create}. */
    public void submit(String workflowId) {
        markReady(Objects.requireNonNull(workflowId, "workflowId"));
    }

    /**
     * Delivers event {@code event} to a workflow: a {@code wait_event} waiting for it takes the payload as its result
     * and the workflow goes on; otherwise the event is kept for a later wait. Blocking (store).
     *
     * @throws WorkflowStoreException NOT_FOUND for an unknown workflow, CONFLICT for a finished one or one holding
     *                                {@link #MAX_BUFFERED_EVENTS} events already
     */
    public void deliver(String workflowId, String event, JsonNode payload) throws WorkflowStoreException {
        Objects.requireNonNull(workflowId, "workflowId");
        Objects.requireNonNull(event, "event");
        transitions.lock();
        try {
            long now = clock.nowMillis();
            WorkflowRecord w = existing(workflowId);
            String payloadJson = WorkflowJson.write(payload);
            if (w.status() == WorkflowStatus.WAITING && event.equals(w.waitingEvent())) {
                StepRecord row = store.step(w.id(), w.stepSeq()).orElseThrow(() -> new WorkflowStoreException(
                        Kind.UNAVAILABLE, "workflow '" + workflowId + "' has no row for its waiting step"));
                WorkflowRecord next = w.movedTo(w.currentStep() + 1, now);
                store.commit(next, row.succeeded(payloadJson, now), 0);
                tell(() -> listener.stepFinished(w.id(), w.sessionId(), row.stepId(), true, null));
                unschedule(w.id());
                markReady(w.id()); // the engine thread goes on: the caller's thread is never lent to a runner
            } else {
                store.bufferEvent(w.id(), event, payloadJson, now, MAX_BUFFERED_EVENTS);
            }
        } finally {
            transitions.unlock();
        }
    }

    /**
     * Cancels a workflow at once: CANCELLED, its wait dropped; a step at the runner is left to finish, and its
     * outcome is recorded on its row but moves nothing. Blocking (store).
     *
     * @throws WorkflowStoreException NOT_FOUND for an unknown workflow, CONFLICT for a finished one
     */
    public void cancel(String workflowId) throws WorkflowStoreException {
        Objects.requireNonNull(workflowId, "workflowId");
        transitions.lock();
        try {
            long now = clock.nowMillis();
            WorkflowRecord w = existing(workflowId);
            StepRecord row = null;
            if (w.stepSeq() != 0) {
                row = store.step(w.id(), w.stepSeq()).filter(r -> r.status() == StepStatus.RUNNING)
                        .map(r -> r.failed("cancelled", now)).orElse(null);
            }
            finish(w, WorkflowStatus.CANCELLED, null, row, now);
        } finally {
            transitions.unlock();
        }
    }

    private WorkflowRecord existing(String id) throws WorkflowStoreException {
        WorkflowRecord w = store.get(id).orElseThrow(() -> new WorkflowStoreException(Kind.NOT_FOUND,
                "No workflow found with id '" + id + "'."));
        if (w.status().isFinished()) {
            throw new WorkflowStoreException(Kind.CONFLICT, "Workflow '" + id + "' is " + w.status().wireName()
                    + ".");
        }
        return w;
    }

    /**
     * Records the outcomes that arrived, wakes the workflows whose time has come and moves every ready workflow on
     * as far as it goes without waiting. Call from one thread only. Returns when the next call has work: the
     * earliest wake time, now when work is queued, or 0 when nothing waits.
     */
    public long tick() {
        long now = clock.nowMillis();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            List<Completion> done = new ArrayList<>();
            List<String> todo = new ArrayList<>();
            lock.lock();
            try {
                done.addAll(completions);
                completions.clear();
                while (!wakes.isEmpty() && wakes.first().at() <= now) {
                    Wake w = wakes.pollFirst();
                    wakeById.remove(w.id());
                    ready.add(w.id());
                }
                todo.addAll(ready);
                ready.clear();
            } finally {
                lock.unlock();
            }
            if (done.isEmpty() && todo.isEmpty()) {
                break;
            }
            for (Completion c : done) {
                transition(c.workflowId(), now, () -> completed(c, now), false);
            }
            for (String id : todo) {
                transition(id, now, () -> advance(id, now), true);
            }
        }
        lock.lock();
        try {
            if (!completions.isEmpty() || !ready.isEmpty()) {
                return now;
            }
            return wakes.isEmpty() ? 0 : wakes.first().at();
        } finally {
            lock.unlock();
        }
    }

    @FunctionalInterface
    private interface Work {
        void run() throws WorkflowStoreException;
    }

    private void transition(String id, long now, Work work, boolean retryLater) {
        transitions.lock();
        try {
            work.run();
        } catch (WorkflowStoreException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "workflow {0}: cannot move on now{1}: {2}", id,
                    retryLater ? ", trying again in " + STORE_RETRY_MILLIS + " ms" : " (its step runs again at the"
                            + " next start)", e.getMessage());
            if (retryLater) {
                schedule(id, now + STORE_RETRY_MILLIS);
            }
        } finally {
            transitions.unlock();
        }
    }

    /** Guarded by transitions: moves a RUNNING or due WAITING workflow on. */
    private void advance(String id, long now) throws WorkflowStoreException {
        WorkflowRecord w = store.get(id).orElse(null);
        if (w == null || w.status().isFinished() || isInFlight(id)) {
            return;
        }
        WorkflowDefinition def = definition(w, now);
        if (def == null) {
            return;
        }
        if (w.status() == WorkflowStatus.WAITING) {
            if (w.wakeAt() > now) {
                schedule(id, w.wakeAt()); // an early or stale wake: wait for the stored time
                return;
            }
            w = woken(w, def, now);
        } else if (w.stepSeq() != 0) {
            w = interrupted(w, def, now);
        }
        if (w != null) {
            proceed(w, def, now);
        }
    }

    /** A WAITING workflow's time came; returns the workflow to proceed with, or null when it is not RUNNING. */
    private WorkflowRecord woken(WorkflowRecord w, WorkflowDefinition def, long now) throws WorkflowStoreException {
        Step step = def.steps().get(w.currentStep());
        StepRecord row = currentRow(w);
        switch (step) {
            case Step.WaitEvent e when !e.continueOnTimeout() -> {
                String why = "timed out after " + e.timeoutSeconds() + " s waiting for event '" + e.event() + "'";
                finish(w, WorkflowStatus.FAILED, "step '" + step.id() + "' " + why, row.failed(why, now), now,
                        () -> tell(() -> listener.stepFinished(w.id(), w.sessionId(), step.id(), false, why)));
                return null;
            }
            case Step.Sleep s -> {
                return stepDone(w, row, null, now);
            }
            case Step.WaitUntil u -> {
                return stepDone(w, row, null, now);
            }
            case Step.WaitEvent e -> {
                return stepDone(w, row, null, now); // on_timeout continue: the result is null
            }
            default -> {
                // The backoff of a failed turn or http attempt is over.
                launch(w, step, row, row.seq(), row.attempt() + 1, now);
                return null;
            }
        }
    }

    private WorkflowRecord stepDone(WorkflowRecord w, StepRecord row, String resultJson, long now)
            throws WorkflowStoreException {
        WorkflowRecord next = w.movedTo(w.currentStep() + 1, now);
        store.commit(next, row.succeeded(resultJson, now), 0);
        tell(() -> listener.stepFinished(w.id(), w.sessionId(), row.stepId(), true, null));
        return next;
    }

    /** RUNNING with a begun step and nothing at the runner: the node stopped during that step. */
    private WorkflowRecord interrupted(WorkflowRecord w, WorkflowDefinition def, long now)
            throws WorkflowStoreException {
        Step step = def.steps().get(w.currentStep());
        Optional<StepRecord> found = store.step(w.id(), w.stepSeq());
        if (!step.external() || found.isEmpty()) {
            return w.movedTo(w.currentStep(), now); // cannot happen (engine steps commit whole): begin it afresh
        }
        StepRecord row = found.get();
        if (row.attempt() > step.retry().maxAttempts()) {
            String why = "the node stopped during attempt " + row.attempt() + "; not retried again";
            finish(w, WorkflowStatus.FAILED, "step '" + step.id() + "' failed: " + why, row.failed(why, now), now);
            return null;
        }
        LOG.log(System.Logger.Level.INFO, "workflow {0}: step {1} was interrupted, running it again", w.id(),
                step.id());
        launch(w, step, row, row.seq(), row.attempt() + 1, now);
        return null;
    }

    /** Guarded by transitions: runs steps from the current one until the workflow waits, is at the runner or ends. */
    private void proceed(WorkflowRecord w, WorkflowDefinition def, long now) throws WorkflowStoreException {
        while (true) {
            if (w.currentStep() >= def.steps().size()) {
                finish(w, WorkflowStatus.SUCCEEDED, null, null, now);
                return;
            }
            if (w.executed() >= MAX_EXECUTED_STEPS) {
                finish(w, WorkflowStatus.FAILED, "step limit: the workflow executed " + w.executed()
                        + " steps (at most " + MAX_EXECUTED_STEPS + "); a branch loop that never ends?", null, now);
                return;
            }
            Step step = def.steps().get(w.currentStep());
            int seq = w.executed() + 1;
            switch (step) {
                case Step.Sleep s -> {
                    await(w, step, seq, now + s.seconds() * 1000, null, now);
                    return;
                }
                case Step.WaitUntil u -> {
                    await(w, step, seq, u.atMillis(), null, now);
                    return;
                }
                case Step.WaitEvent e -> {
                    Optional<BufferedEvent> ev = store.firstEvent(w.id(), e.event());
                    if (ev.isEmpty()) {
                        await(w, step, seq, now + e.timeoutSeconds() * 1000, e.event(), now);
                        return;
                    }
                    w = decided(w, step, seq, w.currentStep() + 1, ev.get().payloadJson(), ev.get().id(), now);
                }
                case Step.Branch b -> {
                    boolean holds = b.condition().test(scope(w));
                    String targetId = holds ? b.thenStep() : b.elseStep();
                    int target = targetId == null ? w.currentStep() + 1 : def.indexOf(targetId);
                    ObjectNode result = JsonNodeFactory.instance.objectNode();
                    result.put("taken", holds ? "then" : "else");
                    result.put("next", target < def.steps().size() ? def.steps().get(target).id() : null);
                    w = decided(w, step, seq, target, result.toString(), 0, now);
                }
                case Step.Turn t -> {
                    launch(w, step, null, seq, 1, now);
                    return;
                }
                case Step.Http h -> {
                    launch(w, step, null, seq, 1, now);
                    return;
                }
            }
        }
    }

    /** A step the engine decided at once (a branch, an already buffered event): one row, done, one commit. */
    private WorkflowRecord decided(WorkflowRecord w, Step step, int seq, int next, String resultJson,
            long consumedEvent, long now) throws WorkflowStoreException {
        StepRecord row = StepRecord.running(w.id(), seq, step, 1, now).succeeded(resultJson, now);
        WorkflowRecord moved = w.begun(seq, 1, now).movedTo(next, now);
        store.commit(moved, row, consumedEvent);
        tell(() -> listener.stepStarted(w.id(), w.sessionId(), step.id(), step.type(), 1));
        tell(() -> listener.stepFinished(w.id(), w.sessionId(), step.id(), true, null));
        return moved;
    }

    private void await(WorkflowRecord w, Step step, int seq, long wakeAt, String event, long now)
            throws WorkflowStoreException {
        WorkflowRecord next = w.begun(seq, 1, now).waiting(wakeAt, event, now);
        store.commit(next, StepRecord.running(w.id(), seq, step, 1, now), 0);
        schedule(w.id(), wakeAt);
        tell(() -> listener.stepStarted(w.id(), w.sessionId(), step.id(), step.type(), 1));
    }

    /** Begins attempt {@code attempt} of a turn or http step (durably), then hands it to the runner. */
    private void launch(WorkflowRecord w, Step step, StepRecord existing, int seq, int attempt, long now)
            throws WorkflowStoreException {
        Rendered r = render(step, scope(w));
        StepRecord row = existing == null ? StepRecord.running(w.id(), seq, step, attempt, now)
                : existing.retried(attempt, now);
        if (r.refusal() != null) {
            finish(w.begun(seq, attempt, now), WorkflowStatus.FAILED, "step '" + step.id() + "' failed: "
                    + r.refusal(), row.failed(r.refusal(), now), now);
            return;
        }
        store.commit(w.begun(seq, attempt, now), row, 0);
        lock.lock();
        try {
            inFlight.put(w.id(), new InFlight(seq, attempt));
        } finally {
            lock.unlock();
        }
        tell(() -> listener.stepStarted(w.id(), w.sessionId(), step.id(), step.type(), attempt));
        String session = step instanceof Step.Turn t && t.sessionId() != null ? t.sessionId() : w.sessionId();
        StepCall call = new StepCall(w.id(), session, w.keyId(), step.id(), attempt, step.type(), r.fields(),
                row.idempotencyKey());
        CompletionStage<StepOutcome> stage;
        try {
            stage = runner.run(call);
        } catch (RuntimeException e) {
            stage = CompletableFuture.completedFuture(StepOutcome.failure(describe(e)));
        }
        if (stage == null) {
            stage = CompletableFuture.completedFuture(StepOutcome.failure("the step runner returned no result"));
        }
        String id = w.id();
        stage.whenComplete((outcome, error) -> arrived(new Completion(id, seq, attempt, error != null
                ? StepOutcome.failure(describe(error))
                : outcome != null ? outcome : StepOutcome.failure("the step runner returned no result"))));
    }

    /** Any thread (an event loop, the runner's): queue the outcome for the engine thread and return. */
    private void arrived(Completion c) {
        lock.lock();
        try {
            if (closed) {
                return; // the step stays RUNNING in the store and runs again at the next start
            }
            completions.add(c);
            poke();
        } finally {
            lock.unlock();
        }
    }

    /** Guarded by transitions: records an attempt's outcome and moves the workflow on. */
    private void completed(Completion c, long now) throws WorkflowStoreException {
        lock.lock();
        try {
            if (inFlight.get(c.workflowId()) instanceof InFlight f && f.seq() == c.seq()
                    && f.attempt() == c.attempt()) {
                inFlight.remove(c.workflowId());
            }
        } finally {
            lock.unlock();
        }
        WorkflowRecord w = store.get(c.workflowId()).orElse(null);
        StepRecord row = w == null ? null : store.step(w.id(), c.seq()).orElse(null);
        if (row == null || row.attempt() != c.attempt()) {
            return;
        }
        StepOutcome o = c.outcome();
        StepRecord done = o.ok() ? row.succeeded(WorkflowJson.write(o.result()), now) : row.failed(o.error(), now);
        // Told after the commit, like every listener call: a listener never hears of a state the store may lose.
        Runnable told = () -> tell(() -> listener.stepFinished(w.id(), w.sessionId(), row.stepId(), o.ok(),
                o.ok() ? null : o.error()));
        boolean current = w.status() == WorkflowStatus.RUNNING && w.stepSeq() == c.seq()
                && w.attempt() == c.attempt();
        if (!current) {
            store.recordStep(done); // cancelled meanwhile: the outcome is kept for the record and moves nothing
            told.run();
            return;
        }
        WorkflowDefinition def = definition(w, now);
        if (def == null) {
            return;
        }
        Step step = def.steps().get(w.currentStep());
        if (o.ok()) {
            WorkflowRecord next = w.movedTo(w.currentStep() + 1, now);
            store.commit(next, done, 0);
            told.run();
            proceed(next, def, now);
        } else if (c.attempt() < step.retry().maxAttempts()) {
            long wakeAt = now + step.retry().backoffMillis(c.attempt());
            store.commit(w.waiting(wakeAt, null, now), done, 0);
            told.run();
            schedule(w.id(), wakeAt);
        } else {
            finish(w, WorkflowStatus.FAILED, "step '" + step.id() + "' failed after " + c.attempt() + " attempt"
                    + (c.attempt() == 1 ? "" : "s") + ": " + o.error(), done, now, told);
        }
    }

    private void finish(WorkflowRecord w, WorkflowStatus status, String error, StepRecord row, long now)
            throws WorkflowStoreException {
        finish(w, status, error, row, now, null);
    }

    /** Commits the end; {@code stepTold} (the last step's news, may be null) is told before the workflow's. */
    private void finish(WorkflowRecord w, WorkflowStatus status, String error, StepRecord row, long now,
            Runnable stepTold) throws WorkflowStoreException {
        store.commit(w.finished(status, error, now), row, 0);
        definitions.remove(w.id());
        unschedule(w.id());
        if (stepTold != null) {
            stepTold.run();
        }
        tell(() -> listener.workflowFinished(w.id(), w.sessionId(), status, error));
    }

    /** Guarded by transitions: the parsed definition; a stored one no longer valid fails its workflow (null). */
    private WorkflowDefinition definition(WorkflowRecord w, long now) throws WorkflowStoreException {
        WorkflowDefinition def = definitions.get(w.id());
        if (def != null) {
            return def;
        }
        try {
            // Checked again, with today's allow-list: a host removed from it since is not called.
            def = WorkflowDefinition.parse(WorkflowJson.read(w.definitionJson()), "definition", httpAllowed);
        } catch (ApiException | java.io.UncheckedIOException e) {
            finish(w, WorkflowStatus.FAILED, "the workflow's definition is no longer valid: " + e.getMessage(), null,
                    now);
            return null;
        }
        definitions.put(w.id(), def);
        return def;
    }

    private StepRecord currentRow(WorkflowRecord w) throws WorkflowStoreException {
        return store.step(w.id(), w.stepSeq()).orElseThrow(() -> new WorkflowStoreException(Kind.UNAVAILABLE,
                "workflow '" + w.id() + "' has no row for its step " + w.stepSeq()));
    }

    private WorkflowScope scope(WorkflowRecord w) throws WorkflowStoreException {
        Map<String, JsonNode> results = new HashMap<>();
        for (StepRecord s : store.steps(w.id())) {
            if (s.status() == StepStatus.SUCCEEDED) {
                JsonNode r = WorkflowJson.read(s.resultJson());
                results.put(s.stepId(), r == null ? NullNode.getInstance() : r); // the latest run wins
            }
        }
        return new WorkflowScope(WorkflowJson.read(w.paramsJson()), results);
    }

    private Rendered render(Step step, WorkflowScope scope) {
        return switch (step) {
            case Step.Turn t -> new Rendered((ObjectNode) Templates.render(t.chat(), scope), null);
            case Step.Http h -> {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                o.put("method", h.method());
                String url = Templates.render(h.url(), scope);
                o.put("url", url);
                if (h.headers() != null) {
                    o.set("headers", Templates.render(h.headers(), scope));
                }
                if (h.body() != null) {
                    o.set("body", Templates.render(h.body(), scope));
                }
                String refusal = null;
                try {
                    URI uri = DefinitionParser.absoluteHttp(url, "url");
                    if (!httpAllowed.test(uri)) {
                        refusal = "the rendered URL's host " + uri.getHost() + " is not allowed on this node";
                    }
                } catch (ApiException e) {
                    refusal = "the rendered URL is not an absolute http(s) URL";
                }
                yield new Rendered(o, refusal);
            }
            default -> throw new IllegalArgumentException("not a runner step: " + step.type());
        };
    }

    // ---- queues ----

    private boolean isInFlight(String id) {
        lock.lock();
        try {
            return inFlight.containsKey(id);
        } finally {
            lock.unlock();
        }
    }

    private void markReady(String id) {
        lock.lock();
        try {
            ready.add(id);
            poke();
        } finally {
            lock.unlock();
        }
    }

    private void schedule(String id, long at) {
        lock.lock();
        try {
            Wake old = wakeById.put(id, new Wake(at, id));
            if (old != null) {
                wakes.remove(old);
            }
            wakes.add(wakeById.get(id));
            poke();
        } finally {
            lock.unlock();
        }
    }

    private void unschedule(String id) {
        lock.lock();
        try {
            Wake old = wakeById.remove(id);
            if (old != null) {
                wakes.remove(old);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Steps at the runner now. */
    public int inFlightCount() {
        lock.lock();
        try {
            return inFlight.size();
        } finally {
            lock.unlock();
        }
    }

    /** Workflows waiting for a time (sleeps, event timeouts, backoffs). */
    public int waitingCount() {
        lock.lock();
        try {
            return wakes.size();
        } finally {
            lock.unlock();
        }
    }

    private void tell(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "workflow listener failed", e);
        }
    }

    private static String describe(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        String m = cause.getMessage();
        return m == null || m.isBlank() ? cause.getClass().getSimpleName() : m;
    }

    /** Guarded by lock. */
    private void poke() {
        poked = true;
        wake.signal();
    }

    private void loop() {
        while (!closed) {
            long next;
            try {
                next = tick();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "workflows tick failed", e);
                next = clock.nowMillis() + STORE_RETRY_MILLIS;
            }
            lock.lock();
            try {
                if (!poked && !closed) {
                    long now = clock.nowMillis();
                    long waitMillis = next == 0 ? MAX_WAIT_MILLIS : Math.min(Math.max(0, next - now), MAX_WAIT_MILLIS);
                    if (waitMillis > 0) {
                        wake.await(waitMillis, TimeUnit.MILLISECONDS);
                    }
                }
                poked = false;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Stops the thread (waiting for its current tick). Steps at the runner are left to finish, but their outcomes
     * are no longer recorded: those steps run again at the next start, with the same idempotency keys.
     */
    @Override
    public void close() {
        Thread t;
        lock.lock();
        try {
            closed = true;
            poke();
            t = thread;
        } finally {
            lock.unlock();
        }
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
