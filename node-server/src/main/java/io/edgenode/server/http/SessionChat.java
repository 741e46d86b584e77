package io.edgenode.server.http;

import io.edgenode.core.chat.ChatTemplateException;
import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.GenerationResult;
import io.edgenode.core.engine.KvState;
import io.edgenode.server.node.LoadedModel;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.ChatCompletionRequest;
import io.edgenode.server.openai.SessionUsage;
import io.edgenode.server.session.Continuation;
import io.edgenode.server.session.KvHibernation;
import io.edgenode.server.session.Session;
import io.edgenode.server.session.SessionGate;
import io.edgenode.server.session.SessionMessage;
import io.edgenode.server.session.SessionPrompt;
import io.edgenode.server.session.SessionService;
import io.edgenode.server.session.SessionStore;
import io.edgenode.server.session.SessionStoreException;
import io.edgenode.server.session.Turn;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A chat completion on a session ({@code session_id} or {@code X-Session-Id}): the client sends
 * only its new messages; the node prepends the stored history, runs the turn, and stores it before
 * acknowledging it. Runs on the request's virtual thread; the engine's callbacks hand store work
 * to a virtual thread too. Thread-safe (stateless per call).
 *
 * <p>One turn at a time per session ({@link SessionGate}, arrival order): the permit is held from
 * reading the history until the reply is stored or the turn failed. A cancelled or failed turn
 * stores nothing. The final chunk (or the whole response) is sent only after the store committed
 * the turn, so a turn the client saw completed survives a crash right after; a store failure
 * there ends the response with a 503-type error instead.
 */
final class SessionChat {
    private static final System.Logger LOG = System.getLogger(SessionChat.class.getName());
    /** Room kept for the reply when the request does not say how many tokens it wants. */
    static final int DEFAULT_REPLY_RESERVE = 512;

    private final GenerationEndpoint endpoint;
    private final SessionService sessions;
    private final Executor blocking;

    SessionChat(GenerationEndpoint endpoint, SessionService sessions, Executor blocking) {
        this.endpoint = endpoint;
        this.sessions = sessions;
        this.blocking = blocking;
    }

    /** Runs one turn; called on the request's virtual thread. Throws ApiException before anything is submitted. */
    void turn(ChatCompletionRequest req, String sessionId, GenerationEndpoint.Exchange ex) {
        SessionStore store = store();
        SessionGate.Permit permit;
        try {
            permit = sessions.gate().enter(sessionId, sessions.settings().gateTimeout().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ApiError.serverError("interrupted"));
        }
        if (permit == null) {
            throw new ApiException(new ApiError(409, ApiError.INVALID_REQUEST, "session_busy", "session_id",
                    "Session " + sessionId + " is still running an earlier turn."));
        }
        boolean handedOver = false;
        try {
            if (!ex.channel().isActive()) {
                return; // the client left while waiting for its turn
            }
            Session session = call(() -> store.get(sessionId)).orElseThrow(() -> new ApiException(notFound(sessionId)));
            // The session's model only: its history and KV cache belong to it (no fallback, no auto).
            endpoint.router().serveOnly(req.model(), (m, route) -> {
                if (!m.id().equals(session.model())) {
                    throw new ApiException(ApiError.invalidRequest("model", "session " + sessionId + " belongs to model "
                            + session.model() + ", not " + m.id()));
                }
                checkLimits(session);
                List<Turn> turns = call(() -> store.turns(sessionId));
                Continuation continuation = call(() -> store.continuation(sessionId)).orElse(null);
                int limit = m.engine().config().maxSequenceTokens();
                int reserve = req.maxTokens() > 0 ? req.maxTokens() : Math.min(DEFAULT_REPLY_RESERVE, limit / 4);
                SessionPrompt.Plan plan;
                try {
                    plan = SessionPrompt.plan(m.template(), m.model().vocab(), m.id(), session.systemPrompt(), turns,
                            req.messages(), continuation, limit - reserve);
                } catch (ChatTemplateException e) {
                    throw new ApiException(ApiError.invalidRequest("messages", e.getMessage()));
                }
                KvHibernation kv = sessions.kv();
                Path modelFile = m.spec().path();
                KvState restore = kv == null ? null : kv.restore(sessionId, modelFile).orElse(null);
                int turnIndex = session.turnCount();
                HttpHeaders headers = new DefaultHttpHeaders()
                        .add("X-Session-Id", sessionId)
                        .add("X-Session-Turn", turnIndex)
                        .add("X-Session-Dropped-Turns", plan.droppedTurns());
                String id = GenerationEndpoint.newChatId();
                ResponseFormat format = ResponseFormats.chat(id, System.currentTimeMillis() / 1000, m.id(),
                        GenerationEndpoint.FINGERPRINT, new SessionUsage(sessionId, turnIndex, plan.droppedTurns()));
                List<SessionMessage> input = req.messages().stream()
                        .map(msg -> new SessionMessage(msg.role(), msg.content())).toList();
                var recorder = new TurnRecorder(sessionId, input, plan, m.id(), modelFile, store, kv, permit);
                var options = new GenerationEndpoint.TurnOptions(restore, kv != null, headers, recorder::wrap);
                return endpoint.start(ex, m, id, plan.tokens(), req.maxTokens(), req.sampling(m.spec().sampling()),
                        req.stop(), req.ignoreEos(), req.user(), req.stream(), req.includeUsage(), format, options);
            });
            handedOver = true; // the recorder releases the permit when the turn ends
        } finally {
            if (!handedOver) {
                permit.close();
            }
        }
    }

    private void checkLimits(Session s) {
        var settings = sessions.settings();
        if (s.turnCount() >= settings.maxTurns()) {
            throw new ApiException(ApiError.invalidRequest("session_id", "session_turn_limit", "Session " + s.id()
                    + " has reached its limit of " + settings.maxTurns() + " turns."));
        }
        if (s.promptTokens() + s.completionTokens() >= settings.maxStoredTokens()) {
            throw new ApiException(ApiError.invalidRequest("session_id", "session_token_limit", "Session " + s.id()
                    + " has reached its limit of " + settings.maxStoredTokens() + " tokens."));
        }
    }

    private SessionStore store() {
        return call(sessions::store);
    }

    static ApiError notFound(String sessionId) {
        return new ApiError(404, ApiError.INVALID_REQUEST, "session_not_found", "session_id",
                "No session found with id '" + sessionId + "'.");
    }

    /** 503 with the store's reason: the client may retry; nothing stored was lost. */
    static ApiError unavailable(SessionStoreException e) {
        return new ApiError(503, ApiError.UNAVAILABLE, "session_store_unavailable", null,
                "The session store is unavailable: " + e.getMessage());
    }

    interface StoreCall<T> {
        T run() throws SessionStoreException;
    }

    /** A store call with its failures as API errors (404, 409, 503). */
    static <T> T call(StoreCall<T> c) {
        try {
            return c.run();
        } catch (SessionStoreException e) {
            throw new ApiException(toApiError(e));
        }
    }

    static ApiError toApiError(SessionStoreException e) {
        return switch (e.kind()) {
            case NOT_FOUND -> new ApiError(404, ApiError.INVALID_REQUEST, "session_not_found", "session_id",
                    e.getMessage());
            case CONFLICT -> new ApiError(409, ApiError.INVALID_REQUEST, "session_exists", "id", e.getMessage());
            case UNAVAILABLE -> unavailable(e);
        };
    }

    /**
     * Stores one turn when its generation ends, before the response is acknowledged. Created on
     * the request's thread; its sink callbacks run on the engine thread (text, then completion),
     * the store write on a virtual thread.
     */
    private final class TurnRecorder {
        private final String sessionId;
        private final List<SessionMessage> input;
        private final SessionPrompt.Plan plan;
        private final String modelId;
        private final Path modelFile;
        private final SessionStore store;
        private final KvHibernation kv;
        private final SessionGate.Permit permit;
        private final StringBuilder reply = new StringBuilder(); // engine thread until completion

        TurnRecorder(String sessionId, List<SessionMessage> input, SessionPrompt.Plan plan, String modelId,
                Path modelFile, SessionStore store, KvHibernation kv, SessionGate.Permit permit) {
            this.sessionId = sessionId;
            this.input = input;
            this.plan = plan;
            this.modelId = modelId;
            this.modelFile = modelFile;
            this.store = store;
            this.kv = kv;
            this.permit = permit;
        }

        ResponseSink wrap(ResponseSink target) {
            return new ResponseSink() {
                @Override
                public void onText(String delta) {
                    reply.append(delta);
                    target.onText(delta);
                }

                @Override
                public void onToken(int token) {
                    target.onToken(token);
                }

                @Override
                public void onComplete(GenerationResult r) {
                    if (r.finishReason() != FinishReason.STOP && r.finishReason() != FinishReason.LENGTH) {
                        permit.close(); // cancelled or failed: nothing is stored
                        target.onComplete(r);
                        return;
                    }
                    String text = reply.toString();
                    blocking.execute(() -> store(r, text, target));
                }

                @Override
                public void fail(ApiError error) {
                    permit.close();
                    target.fail(error);
                }
            };
        }

        private void store(GenerationResult r, String text, ResponseSink target) {
            try {
                // The exact decoded ids continue the history only when they decode to the stored text:
                // a stop string cut the text short of the tokens.
                Continuation next = r.stopString() == null
                        ? new Continuation(modelId, r.tokens(), plan.text() + text)
                        : null;
                var u = r.usage();
                store.appendTurn(sessionId, input, text, u.promptTokens(), u.completionTokens(),
                        u.cachedPromptTokens(), r.finishReason().apiName(), next);
                if (kv != null && r.kv() != null) {
                    kv.save(sessionId, modelFile, r.kv());
                }
            } catch (SessionStoreException | RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "turn of session " + sessionId + " not stored: " + e.getMessage());
                permit.close();
                target.fail(e instanceof SessionStoreException s ? toApiError(s)
                        : ApiError.serverError("turn not stored: " + e.getMessage()));
                return;
            }
            permit.close();
            target.onComplete(r);
        }
    }

}
