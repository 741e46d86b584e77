package io.edgenode.server.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a due run does, by its action's {@code type}: {@code turn} (a session turn through
 * {@link TurnRunner}) or {@code webhook} (a POST through {@link WebhookSender}, the run id as its
 * idempotency key). Thread-safe (stateless); returns at once.
 */
final class ScheduleActions implements JobAction {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TurnRunner turns;
    private final WebhookSender webhooks;
    private final RunListener listener;

    ScheduleActions(TurnRunner turns, WebhookSender webhooks, RunListener listener) {
        this.turns = turns;
        this.webhooks = webhooks;
        this.listener = listener;
    }

    @Override
    public CompletionStage<RunResult> run(Schedule schedule, ScheduleRun run) {
        JsonNode action;
        try {
            action = JSON.readTree(schedule.actionJson());
        } catch (IOException e) {
            return CompletableFuture.completedFuture(RunResult.failed("unreadable action: " + e.getMessage()));
        }
        CompletionStage<String> outcome = switch (action.path("type").asText()) {
            case "turn" -> turns.run(schedule.sessionId(), schedule.actionJson(), schedule.keyId());
            case "webhook" -> webhooks.send(URI.create(action.path("url").asText()),
                    action.has("payload") ? action.get("payload").toString() : "{}", run.runId(), schedule.id(),
                    schedule.sessionId());
            default -> CompletableFuture.completedFuture("unknown action type " + action.path("type"));
        };
        return outcome.thenApply(error -> {
            RunResult result = error == null ? RunResult.ok() : RunResult.failed(error);
            try {
                listener.finished(schedule, run, result);
            } catch (RuntimeException e) {
                System.getLogger(ScheduleActions.class.getName()).log(System.Logger.Level.WARNING,
                        "run listener failed", e);
            }
            return result;
        });
    }
}
