package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.edgenode.server.session.SessionSettings;
import io.edgenode.server.testing.Eventually;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Durable workflows on a real node: a model turn with structured output, an event, a branch, an HTTP call. */
@Timeout(180)
class WorkflowsHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    record Call(String path, String idempotencyKey, String body) {}

    private HttpServer receiver;
    private final List<Call> calls = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startReceiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hooks/", x -> {
            calls.add(new Call(x.getRequestURI().getPath(), x.getRequestHeaders().getFirst("Idempotency-Key"),
                    new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            byte[] answer = "{\"accepted\":true}".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, answer.length);
            x.getResponseBody().write(answer);
            x.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    private String hooks() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks/";
    }

    private TestNode node() throws Exception {
        return new TestNode(TestNode.tinyModel("demo", 2, 4096, 16) + "jobs:\n  webhook_allow: [\"" + hooks() + "\"]\n",
                "", SessionSettings.defaults(dataDir));
    }

    private static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static JsonNode waitFor(TestNode n, String id, String status) {
        JsonNode[] last = new JsonNode[1];
        Eventually.until(Duration.ofSeconds(60), "workflow " + id + " " + status, () -> {
            try {
                last[0] = JSON.readTree(n.get("/v1/workflows/" + id).body());
                return last[0].path("status").asText().equals(status);
            } catch (Exception e) {
                return false;
            }
        });
        return last[0];
    }

    @Test
    void shouldRunATurnAWaitABranchAndACallEachOnceInOrder() throws Exception {
        try (TestNode n = node()) {
            String session = ok(n.post("/v1/sessions", "{\"model\":\"demo\"}")).get("id").asText();
            try (WsClient ws = WsClient.connect(n, session)) {
                ws.next("hello");
                String definition = """
                        {"session_id": "%s", "params": {"who": "Ada"}, "definition": {"steps": [
                          {"id": "ask", "type": "turn", "max_tokens": 64, "temperature": 0,
                           "messages": [{"role": "user", "content": "Should {{params.who}} get a refund?"}],
                           "response_format": {"type": "json_schema", "json_schema": {"name": "d", "strict": true,
                             "schema": {"type": "object", "properties": {"decision": {"type": "string",
                               "enum": ["yes", "no"]}}, "required": ["decision"], "additionalProperties": false}}}},
                          {"id": "approve", "type": "wait_event", "event": "approval", "timeout_seconds": 60},
                          {"id": "gate", "type": "branch", "if": {"path": "steps.approve.approved", "equals": false},
                           "then": "skipped"},
                          {"id": "send", "type": "http", "url": "%srefunds",
                           "body": {"who": "{{params.who}}", "decision": "{{steps.ask.json.decision}}",
                                    "by": "{{steps.approve.by}}"}},
                          {"id": "skipped", "type": "sleep", "seconds": 1}
                        ]}}""".formatted(session, hooks());
                JsonNode wf = ok(n.post("/v1/workflows", definition));
                String id = wf.get("id").asText();
                assertEquals("workflow", wf.get("object").asText());

                JsonNode waiting = waitFor(n, id, "waiting");
                assertEquals("approve", waiting.get("current_step").asText(), waiting.toString());
                String decision = waiting.path("steps").path(0).path("result").path("json").path("decision").asText();
                assertTrue(decision.equals("yes") || decision.equals("no"), waiting.toString());
                // The turn ran on the session like any turn: its clients saw it, its history has it.
                JsonNode started = ws.next(m -> m.path("type").asText().equals("turn.started"));
                assertEquals("workflow", started.get("source").asText());
                assertEquals("Should Ada get a refund?", started.path("messages").path(0).path("content").asText());
                assertEquals(1, ok(n.get("/v1/sessions/" + session)).get("turn_count").asInt());

                ok(n.post("/v1/workflows/" + id + "/events/approval", "{\"approved\":true,\"by\":\"Grace\"}"));
                JsonNode done = waitFor(n, id, "succeeded");
                assertEquals(1, calls.size(), calls.toString());
                Call call = calls.getFirst();
                assertEquals("/hooks/refunds", call.path());
                assertEquals("{\"who\":\"Ada\",\"decision\":\"" + decision + "\",\"by\":\"Grace\"}", call.body());
                assertTrue(call.idempotencyKey() != null && call.idempotencyKey().startsWith(id), call.toString());
                JsonNode send = null;
                for (JsonNode s : done.path("steps")) {
                    if (s.path("id").asText().equals("send")) {
                        send = s;
                    }
                }
                assertEquals(true, send.path("result").path("body").path("accepted").asBoolean(), done.toString());
                assertEquals("workflow.finished", ws.next("workflow.finished").get("type").asText());
            }
        }
    }

    @Test
    void shouldRefuseABadDefinitionBeforeAnythingRunsAndCancelAWaitingOne() throws Exception {
        try (TestNode n = node()) {
            HttpResponse<String> unknown = n.post("/v1/workflows", "{\"definition\":{\"steps\":[{\"id\":\"a\","
                    + "\"type\":\"teleport\"}]}}");
            assertEquals(400, unknown.statusCode(), unknown.body());
            HttpResponse<String> outside = n.post("/v1/workflows", "{\"definition\":{\"steps\":[{\"id\":\"a\","
                    + "\"type\":\"http\",\"url\":\"http://127.0.0.1:9/x\"}]}}");
            assertEquals(400, outside.statusCode(), outside.body());
            assertTrue(outside.body().contains("url_not_allowed"), outside.body());
            assertEquals(0, calls.size());

            String id = ok(n.post("/v1/workflows", "{\"definition\":{\"steps\":[{\"id\":\"w\",\"type\":\"wait_event\","
                    + "\"event\":\"go\",\"timeout_seconds\":600},{\"id\":\"h\",\"type\":\"http\",\"url\":\"" + hooks()
                    + "never\"}]}}")).get("id").asText();
            waitFor(n, id, "waiting");
            assertEquals("cancelled", ok(n.post("/v1/workflows/" + id + "/cancel", "")).get("status").asText());
            assertEquals(409, n.post("/v1/workflows/" + id + "/events/go", "{}").statusCode());
            assertEquals(404, n.get("/v1/workflows/wf_nope").statusCode());
            assertEquals(0, calls.size(), "a cancelled workflow calls nothing");

            // Deleting its session cancels a workflow on it.
            String session = ok(n.post("/v1/sessions", "{\"model\":\"demo\"}")).get("id").asText();
            String onSession = ok(n.post("/v1/workflows", "{\"session_id\":\"" + session + "\",\"definition\":"
                    + "{\"steps\":[{\"id\":\"w\",\"type\":\"wait_event\",\"event\":\"go\",\"timeout_seconds\":600}]}}"))
                    .get("id").asText();
            waitFor(n, onSession, "waiting");
            assertEquals(200, n.client.send(java.net.http.HttpRequest.newBuilder(n.uri("/v1/sessions/" + session))
                    .DELETE().build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals("cancelled", ok(n.get("/v1/workflows/" + onSession)).get("status").asText());
        }
    }

    @Test
    void shouldShowAWorkflowOnlyToTheKeyThatStartedIt() throws Exception {
        try (TestNode n = TestNode.withGateway(TestNode.tinyModel("demo", 2, 4096, 16) + "jobs:\n  webhook_allow: [\""
                + hooks() + "\"]\n", "", dataDir.resolve("gw"), SessionSettings.defaults(dataDir))) {
            var scopes = io.edgenode.server.gateway.KeyScopes.DEFAULT;
            var limits = io.edgenode.server.gateway.KeyLimits.NONE;
            String a = n.gateway.keys().create("a", scopes, limits).secret();
            String b = n.gateway.keys().create("b", scopes, limits).secret();
            HttpResponse<String> created = n.client.send(java.net.http.HttpRequest.newBuilder(n.uri("/v1/workflows"))
                    .header("Authorization", "Bearer " + a).POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"definition\":{\"steps\":[{\"id\":\"w\",\"type\":\"wait_event\",\"event\":\"go\","
                                    + "\"timeout_seconds\":600}]}}")).build(), HttpResponse.BodyHandlers.ofString());
            String id = ok(created).get("id").asText();
            assertEquals(200, n.get("/v1/workflows/" + id, "Authorization", "Bearer " + a).statusCode());
            assertEquals(404, n.get("/v1/workflows/" + id, "Authorization", "Bearer " + b).statusCode());
            assertEquals(404, n.client.send(java.net.http.HttpRequest.newBuilder(n.uri("/v1/workflows/" + id + "/cancel"))
                    .header("Authorization", "Bearer " + b).POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals("waiting", JSON.readTree(n.get("/v1/workflows/" + id, "Authorization", "Bearer " + a).body())
                    .get("status").asText());
        }
    }
}
