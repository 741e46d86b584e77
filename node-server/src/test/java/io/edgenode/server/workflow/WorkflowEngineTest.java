package io.edgenode.server.workflow;

import static io.edgenode.server.workflow.WorkflowDefinitionTest.ALLOWED;
import static io.edgenode.server.workflow.WorkflowDefinitionTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.testing.Eventually;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkflowEngineTest {
    static final long T0 = 1_800_000_000_000L;
    static final long DAY = 24 * 3600 * 1000L;

    @TempDir
    Path dir;
    final AtomicLong now = new AtomicLong(T0);
    final Runner runner = new Runner();
    final Events events = new Events();
    Workflows workflows;

    /** Records each call; the test completes it. */
    static final class Runner implements StepRunner {
        record Call(StepCall call, CompletableFuture<StepOutcome> outcome) {}

        final List<Call> calls = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<StepOutcome> run(StepCall call) {
            CompletableFuture<StepOutcome> f = new CompletableFuture<>();
            calls.add(new Call(call, f));
            return f;
        }

        StepCall last() {
            return calls.getLast().call();
        }

        void ok(String resultJson) {
            calls.getLast().outcome().complete(StepOutcome.success(json(resultJson)));
        }

        void fail(String error) {
            calls.getLast().outcome().complete(StepOutcome.failure(error));
        }
    }

    static final class Events implements WorkflowListener {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void stepStarted(String workflowId, String sessionId, String stepId, String type, int attempt) {
            seen.add("start " + stepId + "#" + attempt);
        }

        @Override
        public void stepFinished(String workflowId, String sessionId, String stepId, boolean ok, String error) {
            seen.add((ok ? "ok " : "failed ") + stepId);
        }

        @Override
        public void workflowFinished(String workflowId, String sessionId, WorkflowStatus status, String error) {
            seen.add("workflow " + status.wireName());
        }
    }

    Workflows open(StepRunner r) {
        return Workflows.start(dir, ALLOWED, Set.of("sess_1")::contains, r, events, now::get, false);
    }

    WorkflowView create(String request) {
        if (workflows == null) {
            workflows = open(runner);
        }
        return workflows.create((ObjectNode) json(request), "key_1");
    }

    long tick() {
        return workflows.engine().tick();
    }

    WorkflowView view(String id) {
        return workflows.get(id).orElseThrow();
    }

    @AfterEach
    void close() {
        if (workflows != null) {
            workflows.close();
        }
    }

    @Test
    void shouldRunTurnThenBranchOnItsJsonThenHttpOnceEachInOrderWithTemplates() {
        String id = create("""
                {'session_id':'sess_1','params':{'topic':'cats'},'definition':{'steps':[
                  {'id':'ask','type':'turn','messages':[{'role':'user','content':'topic: {{params.topic}}'}],
                   'response_format':{'type':'json_object'}},
                  {'id':'check','type':'branch','if':{'path':'steps.ask.decision','equals':'yes'},'then':'call',
                   'else':'nap'},
                  {'id':'nap','type':'sleep','seconds':60},
                  {'id':'call','type':'http','url':'https://hooks.example.com/d/{{steps.ask.decision}}',
                   'body':{'topic':'{{params.topic}}','all':'{{steps.ask}}'},'headers':{'X-Topic':'{{params.topic}}'}}]}}
                """).id();
        assertTrue(id.startsWith("wf_") && id.length() == 27, id);
        tick();
        StepCall turn = runner.last();
        assertEquals("turn", turn.type());
        assertEquals("sess_1", turn.sessionId());
        assertEquals("key_1", turn.keyId());
        assertEquals(1, turn.attempt());
        assertEquals(id + ":ask:1", turn.idempotencyKey());
        assertEquals("topic: cats", turn.rendered().at("/messages/0/content").asText());
        assertEquals("json_object", turn.rendered().at("/response_format/type").asText());
        assertEquals(WorkflowStatus.RUNNING, view(id).status());
        assertEquals("ask", view(id).currentStep());

        runner.ok("{'decision':'yes','n':2}");
        tick();
        assertEquals(2, runner.calls.size());
        StepCall http = runner.last();
        assertEquals("http", http.type());
        assertEquals(id + ":call:3", http.idempotencyKey());
        assertEquals("https://hooks.example.com/d/yes", http.rendered().get("url").asText());
        assertEquals("POST", http.rendered().get("method").asText());
        assertEquals(json("{'topic':'cats','all':'{\\\"decision\\\":\\\"yes\\\",\\\"n\\\":2}'}"),
                http.rendered().get("body"));
        assertEquals("cats", http.rendered().at("/headers/X-Topic").asText());

        runner.ok("{'status':200}");
        assertEquals(0, tick());
        WorkflowView v = view(id);
        assertEquals(WorkflowStatus.SUCCEEDED, v.status());
        assertEquals(List.of("ask", "check", "call"), v.steps().stream().map(WorkflowView.StepView::id).toList());
        assertEquals(json("{'taken':'then','next':'call'}"), v.steps().get(1).result());
        assertEquals(json("{'status':200}"), v.steps().get(2).result());
        assertEquals(2, runner.calls.size());
        assertEquals(List.of("start ask#1", "ok ask", "start check#1", "ok check", "start call#1", "ok call",
                "workflow succeeded"), events.seen);
        JsonNode out = json(new String(v.toJson(), StandardCharsets.UTF_8));
        assertEquals("workflow", out.get("object").asText());
        assertEquals("succeeded", out.get("status").asText());
        assertEquals("2027-01-15T08:00:00Z", out.get("created_at").asText());
        assertEquals("succeeded", out.at("/steps/0/status").asText());
        assertTrue(out.get("current_step").isNull());
    }

    @Test
    void shouldRetryWithExponentialBackoffThenFail() {
        String id = create("""
                {'definition':{'steps':[{'id':'call','type':'http','url':'https://hooks.example.com/',
                  'retry':{'max_attempts':3,'backoff_seconds':10,'factor':2}}]}}
                """).id();
        tick();
        runner.fail("boom 1");
        assertEquals(T0 + 10_000, tick());
        WorkflowView waiting = view(id);
        assertEquals(WorkflowStatus.WAITING, waiting.status());
        assertEquals(T0 + 10_000, waiting.waitingUntil());
        now.set(T0 + 9_999);
        tick();
        assertEquals(1, runner.calls.size());
        now.set(T0 + 10_000);
        tick();
        assertEquals(2, runner.calls.size());
        assertEquals(2, runner.last().attempt());
        assertEquals(id + ":call:1", runner.last().idempotencyKey());
        runner.fail("boom 2");
        assertEquals(T0 + 30_000, tick());
        now.set(T0 + 30_000);
        tick();
        assertEquals(3, runner.last().attempt());
        runner.calls.getLast().outcome().completeExceptionally(new IllegalStateException("boom 3"));
        tick();
        WorkflowView v = view(id);
        assertEquals(WorkflowStatus.FAILED, v.status());
        assertEquals("step 'call' failed after 3 attempts: boom 3", v.error());
        assertEquals(3, v.steps().getFirst().attempt());
        assertEquals("boom 3", v.steps().getFirst().error());
        assertEquals(3, runner.calls.size());
    }

    @Test
    void shouldSleepThreeDaysHoldingNothingAndResumeAtTheRightTick() {
        String id = create("""
                {'definition':{'steps':[{'id':'nap','type':'sleep','seconds':259200},
                  {'id':'call','type':'http','url':'https://hooks.example.com/'}]}}
                """).id();
        assertEquals(T0 + 3 * DAY, tick());
        assertEquals(0, workflows.engine().inFlightCount());
        assertEquals(1, workflows.engine().waitingCount());
        assertEquals(WorkflowStatus.WAITING, view(id).status());
        assertEquals("nap", view(id).currentStep());
        now.set(T0 + 3 * DAY - 1);
        assertEquals(T0 + 3 * DAY, tick());
        assertTrue(runner.calls.isEmpty());
        now.set(T0 + 3 * DAY);
        tick();
        assertEquals(1, runner.calls.size());
        assertEquals(StepStatus.SUCCEEDED, view(id).steps().getFirst().status());
    }

    @Test
    void shouldTakeAnEventDeliveredBeforeTheWait() {
        String id = create("""
                {'definition':{'steps':[{'id':'nap','type':'sleep','seconds':10},
                  {'id':'ev','type':'wait_event','event':'approved','timeout_seconds':60}]}}
                """).id();
        tick();
        WorkflowView v = workflows.deliver(id, "approved", json("{'by':'ann'}"));
        assertEquals(WorkflowStatus.WAITING, v.status());
        now.set(T0 + 10_000);
        tick();
        v = view(id);
        assertEquals(WorkflowStatus.SUCCEEDED, v.status());
        assertEquals(json("{'by':'ann'}"), v.steps().get(1).result());
        ApiError finished = assertThrows(ApiException.class, () -> workflows.deliver(id, "approved", null)).error();
        assertEquals(409, finished.status());
        assertEquals(404, assertThrows(ApiException.class,
                () -> workflows.deliver("wf_nope", "approved", null)).error().status());
    }

    @Test
    void shouldTakeAnEventDeliveredDuringTheWait() {
        String id = create("""
                {'definition':{'steps':[{'id':'ev','type':'wait_event','event':'approved','timeout_seconds':60},
                  {'id':'call','type':'http','url':'https://hooks.example.com/{{steps.ev.n}}'}]}}
                """).id();
        tick();
        WorkflowView v = view(id);
        assertEquals("approved", v.waitingEvent());
        assertEquals(T0 + 60_000, v.waitingUntil());
        JsonNode out = json(new String(v.toJson(), StandardCharsets.UTF_8));
        assertEquals("approved", out.at("/waiting_for/event").asText());
        workflows.deliver(id, "other", json("1")); // buffered, not this wait's
        assertEquals(WorkflowStatus.RUNNING, workflows.deliver(id, "approved", json("{'n':5}")).status());
        tick();
        assertEquals("https://hooks.example.com/5", runner.last().rendered().get("url").asText());
        assertEquals(0, workflows.engine().waitingCount());
    }

    @Test
    void shouldFailOrContinueWhenTheWaitTimesOut() {
        String failing = create("""
                {'definition':{'steps':[{'id':'ev','type':'wait_event','event':'go','timeout_seconds':30}]}}
                """).id();
        String continuing = create("""
                {'definition':{'steps':[{'id':'ev','type':'wait_event','event':'go','timeout_seconds':30,
                  'on_timeout':'continue'},{'id':'call','type':'http','url':'https://hooks.example.com/'}]}}
                """).id();
        tick();
        now.set(T0 + 30_000);
        tick();
        WorkflowView f = view(failing);
        assertEquals(WorkflowStatus.FAILED, f.status());
        assertEquals("step 'ev' timed out after 30 s waiting for event 'go'", f.error());
        WorkflowView c = view(continuing);
        assertEquals(WorkflowStatus.RUNNING, c.status());
        assertEquals(StepStatus.SUCCEEDED, c.steps().getFirst().status());
        assertNull(c.steps().getFirst().result());
        assertEquals(1, runner.calls.size());
    }

    @Test
    void shouldCancelAtOnceAndIgnoreTheOutcomeOfTheStepInFlight() {
        String id = create("""
                {'definition':{'steps':[{'id':'call','type':'http','url':'https://hooks.example.com/'},
                  {'id':'after','type':'http','url':'https://hooks.example.com/'}]}}
                """).id();
        tick();
        assertEquals(WorkflowStatus.CANCELLED, workflows.cancel(id).status());
        runner.ok("{'late':true}");
        tick();
        WorkflowView v = view(id);
        assertEquals(WorkflowStatus.CANCELLED, v.status());
        assertEquals(1, runner.calls.size());
        assertEquals(StepStatus.SUCCEEDED, v.steps().getFirst().status()); // recorded, ignored
        assertEquals(409, assertThrows(ApiException.class, () -> workflows.cancel(id)).error().status());
        assertEquals(404, assertThrows(ApiException.class, () -> workflows.cancel("wf_nope")).error().status());
    }

    @Test
    void shouldResumeAfterACrashRunningOnlyTheInterruptedStepAgainWithItsKey() {
        String id = create("""
                {'session_id':'sess_1','definition':{'steps':[
                  {'id':'a','type':'turn','messages':[{'role':'user','content':'one'}]},
                  {'id':'b','type':'http','url':'https://hooks.example.com/b'},
                  {'id':'c','type':'turn','messages':[{'role':'user','content':'{{steps.a.content}}'}]}]}}
                """).id();
        tick();
        runner.ok("{'content':'from a'}");
        tick();
        StepCall interrupted = runner.last();
        assertEquals("b", interrupted.stepId());
        workflows.close(); // the node dies with b at the runner
        runner.ok("{'too':'late'}"); // an outcome after the death is not recorded

        Runner second = new Runner();
        workflows = open(second);
        tick();
        assertEquals(1, second.calls.size());
        StepCall again = second.last();
        assertEquals("b", again.stepId());
        assertEquals(interrupted.idempotencyKey(), again.idempotencyKey());
        assertEquals(2, again.attempt());
        second.ok("{}");
        tick();
        assertEquals("c", second.last().stepId());
        assertEquals("from a", second.last().rendered().at("/messages/0/content").asText());
        second.ok("{}");
        tick();
        WorkflowView v = view(id);
        assertEquals(WorkflowStatus.SUCCEEDED, v.status());
        assertEquals(List.of("b", "c"), second.calls.stream().map(c -> c.call().stepId()).toList());
        assertEquals(List.of(1, 2, 1), v.steps().stream().map(WorkflowView.StepView::attempt).toList());
    }

    @Test
    void shouldContinueAtOnceWhenASleepEndedDuringDowntime() {
        String id = create("""
                {'definition':{'steps':[{'id':'nap','type':'sleep','seconds':60},
                  {'id':'call','type':'http','url':'https://hooks.example.com/'}]}}
                """).id();
        tick();
        workflows.close();
        now.set(T0 + 3_600_000);
        workflows = open(runner);
        assertEquals(WorkflowStatus.WAITING, view(id).status());
        tick();
        assertEquals(1, runner.calls.size());
        assertEquals(T0 + 60_000, view(id).steps().getFirst().startedAt() + 60_000);
    }

    @Test
    void shouldStopALoopAtTheStepLimit() {
        String id = create("""
                {'definition':{'steps':[{'id':'loop','type':'branch','if':{'path':'params.stop','exists':false},
                  'then':'loop'}]}}
                """).id();
        tick();
        WorkflowView v = view(id);
        assertEquals(WorkflowStatus.FAILED, v.status());
        assertTrue(v.error().startsWith("step limit"), v.error());
        assertEquals(WorkflowEngine.MAX_EXECUTED_STEPS, v.steps().size());
    }

    @Test
    void shouldRefuseBadRequestsBeforeStoringAnything() throws Exception {
        workflows = open(runner);
        String turn = "{'id':'a','type':'turn','messages':[{'role':'user','content':'x'}]}";
        ApiError noSession = assertThrows(ApiException.class,
                () -> create("{'definition':{'steps':[" + turn + "]}}")).error();
        assertEquals("session_id", noSession.param());
        assertEquals(400, noSession.status());
        ApiError unknownSession = assertThrows(ApiException.class,
                () -> create("{'session_id':'sess_x','definition':{'steps':[" + turn + "]}}")).error();
        assertEquals(404, unknownSession.status());
        assertEquals(400, assertThrows(ApiException.class, () -> create("{'definition':{'steps':[{'id':'a',"
                + "'type':'http','url':'https://evil.example.org/'}]}}")).error().status());
        assertEquals(400, assertThrows(ApiException.class, () -> create("{'name':'x','definition':{}}")).error()
                .status());
        assertEquals("unknown_parameter", assertThrows(ApiException.class,
                () -> create("{'nam':'x'}")).error().code());
        try (WorkflowStore store = WorkflowStore.open(dir.resolve("other"))) {
            assertTrue(store.active().isEmpty());
        }
        tick();
        assertTrue(runner.calls.isEmpty());
    }

    @Test
    void shouldStartAStoredDefinitionByNameWithMergedParams() throws Exception {
        Files.createDirectories(dir.resolve("workflows"));
        Files.writeString(dir.resolve("workflows/ping.json"), "{\"steps\":[{\"id\":\"p\",\"type\":\"http\","
                + "\"url\":\"https://hooks.example.com/{{params.path}}?n={{params.n}}\"}],"
                + "\"params\":{\"path\":\"default\",\"n\":1}}");
        WorkflowView v = create("{'name':'ping','params':{'n':7}}");
        assertEquals("ping", v.name());
        assertEquals(json("{'path':'default','n':7}"), v.params());
        tick();
        assertEquals("https://hooks.example.com/default?n=7", runner.last().rendered().get("url").asText());
        assertEquals(404, assertThrows(ApiException.class, () -> create("{'name':'nope'}")).error().status());
    }

    @Test
    void shouldRunOnItsOwnThreadWithTheWallClock() {
        StepRunner instant = call -> CompletableFuture.supplyAsync(() -> StepOutcome.success(json("{'ok':true}")));
        workflows = Workflows.start(dir, ALLOWED, s -> true, instant, events);
        String id = workflows.create((ObjectNode) json("""
                {'session_id':'s','definition':{'steps':[
                  {'id':'a','type':'turn','messages':[{'role':'user','content':'x'}]},
                  {'id':'b','type':'branch','if':{'path':'steps.a.ok','equals':true},'then':'c'},
                  {'id':'c','type':'http','url':'https://hooks.example.com/'}]}}
                """), null).id();
        Eventually.until(Duration.ofSeconds(10), "the workflow succeeds",
                () -> workflows.get(id).orElseThrow().status() == WorkflowStatus.SUCCEEDED);
        assertEquals(3, workflows.get(id).orElseThrow().steps().size());
    }
}
