package io.edgenode.server.session;

import io.edgenode.core.chat.ChatMessage;
import io.edgenode.core.chat.ChatTemplateException;
import io.edgenode.core.engine.KvState;
import io.edgenode.core.llama.SamplingParams;
import io.edgenode.server.node.LoadedModel;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.MemoryUsage;
import io.edgenode.server.openai.OutputFormat;
import io.edgenode.server.openai.SessionUsage;
import io.edgenode.server.openai.TokenControls;
import io.edgenode.server.openai.ToolUse;
import io.edgenode.server.pipeline.ChatOutputPlan;
import io.edgenode.server.pipeline.ChatOutputs;
import io.edgenode.server.pipeline.GenerationPlan;
import io.edgenode.server.pipeline.Planner;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * The plan stage of a chat completion on a session ({@code session_id} or {@code X-Session-Id}):
 * the client sends only its new messages; the plan prepends the stored history, restores the
 * session's KV snapshot, and holds the session until the turn is stored. Thread-safe (stateless
 * per call); plans run on the request's virtual thread, stores on {@code blocking}.
 *
 * <p>One turn at a time per session ({@link SessionGate}, arrival order): the permit is taken
 * when the plan is made and handed to the plan's {@link TurnRecorder}, which releases it when
 * the reply is stored, the turn failed, or the plan never ran. A cancelled or failed turn stores
 * nothing. The final chunk (or the whole response) is sent only after the store committed the
 * turn, so a turn the client saw completed survives a crash right after.
 */
public final class SessionTurns {
    /** Room kept for the reply when the request does not say how many tokens it wants. */
    static final int DEFAULT_REPLY_RESERVE = 512;

    private final SessionService sessions;
    private final Executor blocking;
    private final ChatOutputs outputs;
    private final SessionStates states;

    /** {@code outputs}: the node's output shaping (tools and structured output), shared with stateless chat. */
    public SessionTurns(SessionService sessions, Executor blocking, ChatOutputs outputs) {
        this.sessions = Objects.requireNonNull(sessions, "sessions");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.outputs = Objects.requireNonNull(outputs, "outputs");
        this.states = new SessionStates(sessions::store);
    }

    /**
     * What a turn asks for, as parsed from the chat request. {@code promptMessages} are the new
     * messages as the model sees them this turn ({@code messages} with retrieved memories put in
     * front, see {@code Recollection.into}); only {@code messages} are stored in the history: a
     * memory is context for the turn it was retrieved for, not part of the conversation. A turn may
     * offer {@code tools} (null: none) or ask for a {@code responseFormat}; the whole history is then
     * rendered with those tools, and the reply is stored as the model wrote it (its calls in its own
     * syntax, which is what the next turn's prompt must show it).
     */
    public record TurnRequest(String sessionId, List<ChatMessage> messages, List<ChatMessage> promptMessages,
            int maxTokens, List<String> stop, boolean ignoreEos, String tenant, MemoryUsage memory, ToolUse tools,
            OutputFormat responseFormat, TokenControls tokens) {
        public TurnRequest {
            Objects.requireNonNull(sessionId, "sessionId");
            messages = List.copyOf(messages);
            promptMessages = List.copyOf(promptMessages);
            responseFormat = responseFormat == null ? OutputFormat.TEXT : responseFormat;
            tokens = tokens == null ? TokenControls.NONE : tokens;
        }

        /** A turn without retrieved memories, tools or output controls. */
        public TurnRequest(String sessionId, List<ChatMessage> messages, int maxTokens, List<String> stop,
                boolean ignoreEos, String tenant) {
            this(sessionId, messages, messages, maxTokens, stop, ignoreEos, tenant, null, null, null, null);
        }
    }

    /**
     * The planner of one turn. {@code sampling} gives the request's sampling on a model (its own
     * fields over the model's defaults); {@code clientGone} is checked after waiting for the
     * session's gate: a client that left meanwhile gets no turn.
     */
    public Planner planner(TurnRequest req, java.util.function.Function<LoadedModel, SamplingParams> sampling,
            BooleanSupplier clientGone) {
        return m -> plan(m, req, sampling.apply(m), clientGone);
    }

    private GenerationPlan plan(LoadedModel m, TurnRequest req, SamplingParams sampling, BooleanSupplier clientGone) {
        String sessionId = req.sessionId();
        SessionStore store = SessionErrors.call(sessions::store);
        SessionGate.Permit permit = enter(sessionId);
        boolean handedOver = false;
        try {
            if (clientGone.getAsBoolean()) {
                throw new ApiException(ApiError.clientClosed());
            }
            Session session = SessionErrors.call(() -> store.get(sessionId))
                    .orElseThrow(() -> new ApiException(SessionErrors.notFound(sessionId)));
            // The session's model only: its history and KV cache belong to it (no fallback, no auto).
            if (!m.id().equals(session.model())) {
                throw new ApiException(ApiError.invalidRequest("model", "session " + sessionId + " belongs to model "
                        + session.model() + ", not " + m.id()));
            }
            checkLimits(session);
            String systemPrompt = session.systemPrompt();
            Continuation continuation = SessionErrors.call(() -> store.continuation(sessionId)).orElse(null);
            if (StatePrompt.usesState(systemPrompt)) {
                // Not under the session's gate: a state write during the turn is seen by the next turn.
                SessionState state = SessionErrors.call(() -> store.state(sessionId));
                systemPrompt = StatePrompt.render(systemPrompt, states.document(state));
                // SessionPrompt accepts whitespace-only differences between the continuation and the new text (a
                // template's joint); a state value that changed only in whitespace ("A B" -> "AB") must not keep the
                // old ids: continue only when the model saw exactly this system prompt.
                if (continuation != null && !continuation.text().contains(systemPrompt)) {
                    continuation = null;
                }
            }
            List<Turn> turns = SessionErrors.call(() -> store.turns(sessionId));
            int limit = m.engine().config().maxSequenceTokens();
            int reserve = req.maxTokens() > 0 ? req.maxTokens() : Math.min(DEFAULT_REPLY_RESERVE, limit / 4);
            req.tokens().check(m.model().vocab().size());
            ChatOutputPlan output = outputs.plan(m, req.tools(), req.responseFormat());
            SessionPrompt.Plan prompt;
            try {
                prompt = SessionPrompt.plan(output.renderer(), m.template(), m.model().vocab(), m.id(),
                        systemPrompt, turns, req.promptMessages(), continuation, limit - reserve);
            } catch (ChatTemplateException e) {
                throw new ApiException(ApiError.invalidRequest("messages", e.getMessage()));
            }
            KvHibernation kv = sessions.kv();
            Path modelFile = m.spec().path();
            KvState restore = kv == null ? null : kv.restore(sessionId, modelFile).orElse(null);
            int turnIndex = session.turnCount();
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("X-Session-Id", sessionId);
            headers.put("X-Session-Turn", Integer.toString(turnIndex));
            headers.put("X-Session-Dropped-Turns", Integer.toString(prompt.droppedTurns()));
            List<SessionMessage> input = req.messages().stream().map(SessionMessage::of).toList();
            // With retrieved memories the decoded ids hold passages the stored history lacks: the next
            // turn tokenizes the stored conversation instead of continuing from those ids.
            var recorder = new TurnRecorder(sessionId, input, req.memory() == null ? prompt : null, m.id(), modelFile,
                    store, kv, permit, blocking);
            handedOver = true;
            return new GenerationPlan(prompt.tokens(), req.maxTokens(), sampling, req.stop(), req.ignoreEos(), req.tenant(),
                    restore, kv != null, Map.copyOf(headers), new SessionUsage(sessionId, turnIndex,
                    prompt.droppedTurns()), recorder, req.memory())
                    .withOutput(output.constraint(), output.parser()).withTokens(req.tokens());
        } finally {
            if (!handedOver) {
                permit.close();
            }
        }
    }

    private SessionGate.Permit enter(String sessionId) {
        SessionGate.Permit permit;
        try {
            permit = sessions.gate().enter(sessionId, sessions.settings().gateTimeout().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ApiError.serverError("interrupted"));
        }
        if (permit == null) {
            throw new ApiException(SessionErrors.busy(sessionId));
        }
        return permit;
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
}
