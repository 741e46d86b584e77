package io.edgenode.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.server.gateway.Gateway;
import io.edgenode.server.gateway.Principal;
import io.edgenode.server.gateway.RequestIds;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.OpenAiJson;
import io.edgenode.server.session.Session;
import io.edgenode.server.session.SessionErrors;
import io.edgenode.server.session.SessionService;
import io.netty.channel.EventLoopGroup;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Runs a schedule's turn on its session, as if its creator had sent it: through the same chat
 * endpoint and pipeline as a request (the creating key's scopes, rate limits and budget; the
 * session's gate, in arrival order with everybody else's turns), with no connection: its output
 * reaches the session's live clients through the turn's log and its history like any turn's.
 * Thread-safe (stateless); {@link #run} never blocks its caller.
 */
final class ScheduledTurns {
    static final String ENDPOINT = "scheduled_turn";
    static final String WORKFLOW_ENDPOINT = "workflow_turn";

    private final GenerationEndpoint generation;
    private final SessionService sessions;
    private final Gateway gateway;
    private final EventLoopGroup loops;
    private final Executor blocking;
    private final ServerMetrics metrics;

    ScheduledTurns(GenerationEndpoint generation, SessionService sessions, Gateway gateway, EventLoopGroup loops,
            Executor blocking, ServerMetrics metrics) {
        this.generation = generation;
        this.sessions = sessions;
        this.gateway = gateway;
        this.loops = loops;
        this.blocking = blocking;
        this.metrics = metrics;
    }

    /**
     * Runs {@code action} (a turn action: {@code messages} and other chat fields) on session
     * {@code sessionId} for key {@code keyId} (null: keyless); completes with null when the turn was
     * stored, else with why not.
     */
    CompletionStage<String> run(String sessionId, String actionJson, String keyId) {
        return runForReply(sessionId, actionJson, keyId, ENDPOINT).thenApply(Outcome::error);
    }

    /** How a turn run by the node ended: its reply when stored, else why not. */
    record Outcome(String error, HttpExchange.DetachedReply reply) {}

    /** As {@link #run}, with the reply (a workflow's turn step hands it to the next steps). */
    CompletionStage<Outcome> runForReply(String sessionId, String actionJson, String keyId, String endpoint) {
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        try {
            blocking.execute(() -> start(sessionId, actionJson, keyId, endpoint, done));
        } catch (RuntimeException e) {
            done.complete(new Outcome("the node is stopping", null));
        }
        return done;
    }

    private void start(String sessionId, String actionJson, String keyId, String endpoint,
            CompletableFuture<Outcome> done) {
        try {
            Principal principal = gateway.principalOf(keyId);
            var store = SessionErrors.call(sessions::store);
            Session s = SessionErrors.call(() -> store.get(sessionId))
                    .orElseThrow(() -> new ApiException(SessionErrors.notFound(sessionId)));
            ObjectNode body = OpenAiJson.readObject(actionJson.getBytes(StandardCharsets.UTF_8));
            body.remove("type");
            body.put("session_id", sessionId);
            body.put("stream", false);
            if (!body.hasNonNull("model")) {
                body.put("model", s.model());
            }
            HttpExchange ex = HttpExchange.detached(null, loops.next(), new Owner(done), endpoint,
                    RequestIds.generate(), principal, error -> done.complete(new Outcome(error.message(), null)));
            generation.chat(body.toString().getBytes(StandardCharsets.UTF_8), ex);
        } catch (ApiException e) {
            metrics.recordError(endpoint, e.error().status(), e.error().type());
            done.complete(new Outcome(e.error().message(), null));
        } catch (RuntimeException e) {
            done.complete(new Outcome("internal error: " + e.getClass().getSimpleName(), null));
        }
    }

    /** Ends a scheduled turn's run when its exchange ends: stored (200) or not. */
    private final class Owner implements HttpExchange.Owner {
        private final CompletableFuture<Outcome> done;

        Owner(CompletableFuture<Outcome> done) {
            this.done = done;
        }

        @Override
        public void ended(HttpExchange exchange, int status) {
            metrics.recordRequest(exchange.endpoint(), status, System.nanoTime() - exchange.startNanos());
            done.complete(status == 200 ? new Outcome(null, exchange.reply())
                    : new Outcome("the turn ended with status " + status, exchange.reply()));
        }

        @Override
        public void error(HttpExchange exchange, ApiError error) {
            metrics.recordError(exchange.endpoint(), error.status(), error.type());
        }
    }
}
