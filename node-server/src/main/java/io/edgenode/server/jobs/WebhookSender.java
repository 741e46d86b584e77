package io.edgenode.server.jobs;

import io.edgenode.server.config.JobSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;

/**
 * Delivers a scheduled run's webhook: one {@code POST} of the schedule's JSON payload to an
 * allow-listed URL, with the run's id as {@code Idempotency-Key} (a run retried after a crash keeps
 * its id, so the receiver can drop the duplicate). Redirects are never followed (they would leave
 * the allow-list). Thread-safe; the request runs on the client's own threads, never blocking the
 * caller.
 */
public final class WebhookSender implements AutoCloseable {
    private final HttpClient client;
    private final JobSettings settings;

    public WebhookSender(JobSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.webhookTimeout())
                .executor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("edgenode-webhook-", 0).factory()))
                .build();
    }

    /**
     * Sends {@code payloadJson} to {@code url}; completes with null when the receiver answered 2xx,
     * else with why not (status, timeout, refused connection, a URL no longer allowed).
     */
    public CompletionStage<String> send(URI url, String payloadJson, String runId, String scheduleId,
            String sessionId) {
        if (!settings.allowsWebhook(url)) {
            return CompletableFuture.completedFuture("webhook URL " + url + " is not allowed by jobs.webhook_allow");
        }
        HttpRequest request = HttpRequest.newBuilder(url).timeout(settings.webhookTimeout())
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", runId)
                .header("X-Edgenode-Schedule-Id", scheduleId)
                .header("X-Edgenode-Session-Id", sessionId)
                .header("User-Agent", "edgenode-webhook")
                .POST(HttpRequest.BodyPublishers.ofString(payloadJson, StandardCharsets.UTF_8)).build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).handle((r, t) -> {
            if (t != null) {
                Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                        ? t.getCause() : t;
                return "webhook to " + url + " failed: " + c.getClass().getSimpleName()
                        + (c.getMessage() == null ? "" : ": " + c.getMessage());
            }
            int s = r.statusCode();
            return s >= 200 && s < 300 ? null : "webhook to " + url + " answered HTTP " + s;
        });
    }

    @Override
    public void close() {
        client.close();
    }
}
