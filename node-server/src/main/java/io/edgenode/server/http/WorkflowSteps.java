package io.edgenode.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.server.config.JobSettings;
import io.edgenode.server.workflow.StepCall;
import io.edgenode.server.workflow.StepOutcome;
import io.edgenode.server.workflow.StepRunner;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;

/**
 * The steps of a workflow that leave the engine: a model {@code turn} (on its session, through
 * the same pipeline as a request of the workflow's key, see {@link ScheduledTurns}) and an
 * {@code http} call to an allow-listed URL, with the step's idempotency key as
 * {@code Idempotency-Key} (the same when a step cut by a crash runs again). Thread-safe; never
 * blocks its caller.
 */
final class WorkflowSteps implements StepRunner, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Fields of a turn step that are the workflow's, not the chat request's. */
    private static final List<String> STEP_FIELDS = List.of("id", "type", "retry", "session_id");
    private static final int MAX_RESPONSE_BYTES = 1 << 20;

    private final ScheduledTurns turns;
    private final JobSettings settings;
    private final HttpClient client;

    WorkflowSteps(ScheduledTurns turns, JobSettings settings) {
        this.turns = turns;
        this.settings = settings;
        this.client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.webhookTimeout())
                .executor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("edgenode-step-", 0).factory()))
                .build();
    }

    @Override
    public CompletionStage<StepOutcome> run(StepCall call) {
        return switch (call.type()) {
            case "turn" -> turn(call);
            case "http" -> http(call);
            default -> CompletableFuture.completedFuture(new StepOutcome(false, null, "not a step the node runs: "
                    + call.type()));
        };
    }

    private CompletionStage<StepOutcome> turn(StepCall call) {
        if (call.sessionId() == null) {
            return CompletableFuture.completedFuture(new StepOutcome(false, null, "a turn step needs a session"));
        }
        ObjectNode body = call.rendered().deepCopy();
        STEP_FIELDS.forEach(body::remove);
        return turns.runForReply(call.sessionId(), body.toString(), call.keyId(),
                ScheduledTurns.WORKFLOW_ENDPOINT).thenApply(o -> {
            if (o.error() != null) {
                return new StepOutcome(false, null, o.error());
            }
            ObjectNode result = JSON.createObjectNode();
            String text = o.reply() == null ? "" : o.reply().text();
            result.put("content", text);
            if (o.reply() != null) {
                result.put("finish_reason", o.reply().finishReason());
                ObjectNode usage = result.putObject("usage");
                usage.put("prompt_tokens", o.reply().usage().promptTokens());
                usage.put("completion_tokens", o.reply().usage().completionTokens());
            }
            JsonNode parsed = parse(text); // structured output: its JSON is what branches read
            if (parsed != null) {
                result.set("json", parsed);
            }
            return new StepOutcome(true, result, null);
        });
    }

    private CompletionStage<StepOutcome> http(StepCall call) {
        ObjectNode step = call.rendered();
        URI url;
        try {
            url = URI.create(step.path("url").asText());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new StepOutcome(false, null, "bad url: " + e.getMessage()));
        }
        if (!settings.allowsWebhook(url)) { // checked at creation; checked again: the rendered URL is what goes out
            return CompletableFuture.completedFuture(new StepOutcome(false, null, "url " + url
                    + " is not allowed by jobs.webhook_allow"));
        }
        String method = step.path("method").asText("POST");
        JsonNode body = step.get("body");
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(settings.webhookTimeout())
                .header("Idempotency-Key", call.idempotencyKey())
                .header("X-Edgenode-Workflow-Id", call.workflowId())
                .header("User-Agent", "edgenode-workflow")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (Map.Entry<String, JsonNode> h : step.path("headers").properties()) {
            b.header(h.getKey(), h.getValue().asText());
        }
        return client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray()).handle((r, t) -> {
            if (t != null) {
                Throwable c = t.getCause() != null ? t.getCause() : t;
                return new StepOutcome(false, null, "http step to " + url + " failed: " + c.getClass().getSimpleName()
                        + (c.getMessage() == null ? "" : ": " + c.getMessage()));
            }
            ObjectNode result = JSON.createObjectNode();
            result.put("status", r.statusCode());
            byte[] bytes = r.body();
            String text = new String(bytes, 0, Math.min(bytes.length, MAX_RESPONSE_BYTES), StandardCharsets.UTF_8);
            JsonNode parsed = parse(text);
            if (parsed != null) {
                result.set("body", parsed);
            } else {
                result.put("body", text);
            }
            boolean ok = r.statusCode() >= 200 && r.statusCode() < 300;
            return new StepOutcome(ok, result, ok ? null : "http step to " + url + " answered HTTP " + r.statusCode());
        });
    }

    private static JsonNode parse(String text) {
        String t = text.strip();
        if (!(t.startsWith("{") || t.startsWith("["))) {
            return null;
        }
        try {
            return JSON.readTree(t);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
