package io.edgenode.server.http;

import io.edgenode.core.chat.ChatTemplateException;
import io.edgenode.server.node.LoadedModel;
import io.edgenode.server.node.ModelRouter;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.ChatCompletionRequest;
import io.edgenode.server.openai.CompletionRequest;
import io.edgenode.server.pipeline.GenerationPlan;
import io.edgenode.server.pipeline.Planner;
import io.edgenode.server.session.SessionPrompt;
import io.edgenode.server.session.SessionTurns;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/completions}: parses the body, picks the
 * planner (stateless chat, text, or a session turn) and hands the call to the
 * {@link GenerationPipeline}. Parsing, rendering and tokenizing run on the request's virtual
 * thread, never on the event loop. Thread-safe (stateless).
 */
final class GenerationEndpoint {
    private final GenerationPipeline pipeline;
    private final SessionTurns sessions; // null: the node keeps no sessions

    GenerationEndpoint(GenerationPipeline pipeline, SessionTurns sessions) {
        this.pipeline = pipeline;
        this.sessions = sessions;
    }

    void chat(byte[] body, HttpExchange ex) {
        pipeline.offload(ex, () -> {
            ChatCompletionRequest req = ChatCompletionRequest.parse(body);
            ModelRouter router = pipeline.router();
            String sessionId = req.sessionId() != null ? req.sessionId() : ex.sessionHeader();
            if (sessionId != null) {
                if (sessions == null) {
                    throw new ApiException(ApiError.invalidRequest("session_id", "this node keeps no sessions"));
                }
                var turn = new SessionTurns.TurnRequest(sessionId, req.messages(), req.maxTokens(), req.stop(),
                        req.ignoreEos(), req.user());
                Planner planner = sessions.planner(turn, m -> req.sampling(m.spec().sampling()), ex::isClosed);
                pipeline.run(call(router.only(req.model()), planner, GenerationPipeline.Api.CHAT, req.stream(),
                        req.includeUsage()), ex);
                return;
            }
            pipeline.run(call(router.candidates(req.model()), m -> chatPlan(m, req), GenerationPipeline.Api.CHAT,
                    req.stream(), req.includeUsage()), ex);
        });
    }

    void completion(byte[] body, HttpExchange ex) {
        pipeline.offload(ex, () -> {
            CompletionRequest req = CompletionRequest.parse(body);
            Planner planner = m -> {
                int[] prompt = m.model().vocab().tokenize(req.prompt(), true, true);
                return GenerationPlan.stateless(prompt, req.maxTokens(), req.sampling(m.spec().sampling()), req.stop(), req.ignoreEos(), req.user());
            };
            pipeline.run(call(pipeline.router().candidates(req.model()), planner, GenerationPipeline.Api.TEXT,
                    req.stream(), req.includeUsage()), ex);
        });
    }

    private static GenerationPipeline.Call call(io.edgenode.server.node.Candidates candidates, Planner planner,
            GenerationPipeline.Api api, boolean stream, boolean includeUsage) {
        return new GenerationPipeline.Call(candidates, planner, api, stream, includeUsage);
    }

    /** A stateless chat prompt on {@code m}: its template, its vocabulary. */
    private static GenerationPlan chatPlan(LoadedModel m, ChatCompletionRequest req) {
        String rendered;
        try {
            rendered = m.template().render(req.messages(), true);
        } catch (ChatTemplateException e) {
            throw new ApiException(ApiError.invalidRequest("messages", e.getMessage()));
        }
        int[] prompt = SessionPrompt.tokenize(m.template(), m.model().vocab(), rendered);
        return GenerationPlan.stateless(prompt, req.maxTokens(), req.sampling(m.spec().sampling()), req.stop(),
                req.ignoreEos(), req.user());
    }
}
