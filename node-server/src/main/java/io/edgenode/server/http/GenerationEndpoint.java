package io.edgenode.server.http;

import io.edgenode.core.chat.ChatMessage;
import io.edgenode.server.gateway.Admission;
import io.edgenode.server.memory.MemoryException;
import io.edgenode.server.memory.MemoryService;
import io.edgenode.server.memory.Recollection;
import io.edgenode.server.node.LoadedModel;
import io.edgenode.server.node.ModelRouter;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.ChatCompletionRequest;
import io.edgenode.server.openai.ChatMemory;
import io.edgenode.server.openai.MemoryUsage;
import io.edgenode.server.openai.CompletionRequest;
import io.edgenode.server.pipeline.ChatOutputPlan;
import io.edgenode.server.pipeline.ChatOutputs;
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
    private final MemoryService memory;  // null: the node keeps no vector indexes
    private final ChatOutputs outputs;

    GenerationEndpoint(GenerationPipeline pipeline, SessionTurns sessions, ChatOutputs outputs, MemoryService memory) {
        this.pipeline = pipeline;
        this.sessions = sessions;
        this.outputs = outputs;
        this.memory = memory;
    }

    void chat(byte[] body, HttpExchange ex) {
        pipeline.offload(ex, () -> {
            ChatCompletionRequest req = ChatCompletionRequest.parse(body);
            String sessionId = req.sessionId() != null ? req.sessionId() : ex.sessionHeader();
            Admission admission = pipeline.admit(ex, req.model(), req.user(), sessionId, promptText(req.messages()));
            admitted(admission, () -> chatAdmitted(req, sessionId, admission, body, ex));
        });
    }

    /**
     * Runs {@code rest} of an admitted request; whatever it throws before the pipeline took the
     * admission over (a memory retrieval that fails) releases what the admission holds and is
     * recorded. Refusing twice is harmless: the first ends the admission.
     */
    private static void admitted(Admission admission, Runnable rest) {
        try {
            rest.run();
        } catch (ApiException e) {
            admission.refuse(e.error());
            throw e;
        } catch (RuntimeException | Error e) {
            admission.refuse(ApiError.serverError("internal error"));
            throw e;
        }
    }

    private void chatAdmitted(ChatCompletionRequest req, String sessionId, Admission admission, byte[] body,
            HttpExchange ex) {
        ModelRouter router = pipeline.router();
        if (sessionId != null) {
            if (sessions == null) {
                throw new ApiException(ApiError.invalidRequest("session_id", "this node keeps no sessions"));
            }
            // Memories of a turn go in front of its new messages (after the stored history) and
            // are not stored with it.
            Recollection recalled = req.memory() == null ? null : recall(req);
            var turn = new SessionTurns.TurnRequest(sessionId, req.messages(),
                    recalled == null ? req.messages() : recalled.into(req.messages()), req.maxTokens(), req.stop(),
                    req.ignoreEos(), req.user(),
                    recalled == null ? null : new MemoryUsage(recalled.index(), recalled.ids()), req.tools(),
                    req.responseFormat(), req.tokens());
            Planner planner = sessions.planner(turn, m -> req.sampling(m.spec().sampling()), ex::isClosed);
            pipeline.run(new GenerationPipeline.Call(router.only(req.model()), planner, GenerationPipeline.Api.CHAT,
                    req.stream(), req.includeUsage(), admission, null, turnInput(body)), ex);
            return;
        }
        Recollection recalled = req.memory() == null ? null : recall(req);
        ChatCompletionRequest prompted = recalled == null ? req : req.withMessages(recalled.into(req.messages()));
        MemoryUsage used = recalled == null ? null : new MemoryUsage(recalled.index(), recalled.ids());
        pipeline.run(call(router.candidates(req.model()), m -> chatPlan(m, prompted).withMemory(used),
                GenerationPipeline.Api.CHAT, req.stream(), req.includeUsage(), admission,
                pipeline.cacheRequest(ex, body, false)), ex);
    }

    /**
     * The plan stage's memory retrieval (the request's virtual thread): the passages closest to
     * the last user message, once per request, whichever candidate model then runs it.
     */
    private Recollection recall(ChatCompletionRequest req) {
        ChatMemory asked = req.memory();
        if (memory == null) {
            throw new ApiException(ApiError.invalidRequest("memory", "this node keeps no vector indexes"));
        }
        String query = null;
        for (ChatMessage m : req.messages()) {
            if (m.role().equals("user")) {
                query = m.content();
            }
        }
        if (query == null || query.isBlank()) {
            throw new ApiException(ApiError.invalidRequest("memory", "memory retrieves by the last user message,"
                    + " and this request has none with text"));
        }
        try {
            return memory.recall(asked.index(), asked.namespace(), asked.filter(), asked.topK(), query);
        } catch (MemoryException e) {
            throw new ApiException(IndexesEndpoint.toApiError(e));
        } catch (java.io.UncheckedIOException e) {
            throw new ApiException(ApiError.serverError("memory retrieval failed: " + e.getCause().getMessage()));
        }
    }

    void completion(byte[] body, HttpExchange ex) {
        pipeline.offload(ex, () -> {
            CompletionRequest req = CompletionRequest.parse(body);
            Admission admission = pipeline.admit(ex, req.model(), req.user(), null, req.prompt());
            Planner planner = m -> {
                int[] prompt = m.model().vocab().tokenize(req.prompt(), true, true);
                req.tokens().check(m.model().vocab().size());
                return GenerationPlan.stateless(prompt, req.maxTokens(), req.sampling(m.spec().sampling()), req.stop(),
                        req.ignoreEos(), req.user()).withTokens(req.tokens());
            };
            pipeline.run(call(pipeline.router().candidates(req.model()), planner, GenerationPipeline.Api.TEXT,
                    req.stream(), req.includeUsage(), admission, pipeline.cacheRequest(ex, body, false)), ex);
        });
    }

    private static GenerationPipeline.Call call(io.edgenode.server.node.Candidates candidates, Planner planner,
            GenerationPipeline.Api api, boolean stream, boolean includeUsage, Admission admission,
            GenerationPipeline.CacheRequest cache) {
        return new GenerationPipeline.Call(candidates, planner, api, stream, includeUsage, admission, cache);
    }

    /** A session turn's new messages as the client sent them (a JSON array), for its live clients. */
    private static String turnInput(byte[] body) {
        var messages = io.edgenode.server.openai.OpenAiJson.readObject(body).get("messages");
        return messages == null ? "[]" : messages.toString();
    }

    /** What the prompt guardrails read: every message's text, in order. */
    private static String promptText(java.util.List<ChatMessage> messages) {
        StringBuilder b = new StringBuilder();
        for (ChatMessage m : messages) {
            if (m.content() != null) {
                b.append(m.content()).append('\n');
            }
            for (var call : m.toolCalls()) {
                b.append(call.arguments()).append('\n');
            }
        }
        return b.toString();
    }

    /**
     * A stateless chat prompt on {@code m}: its template (with the request's tools in the model's
     * own format), its vocabulary, and the grammar and parser of its output.
     */
    private GenerationPlan chatPlan(LoadedModel m, ChatCompletionRequest req) {
        req.tokens().check(m.model().vocab().size());
        ChatOutputPlan output = outputs.plan(m, req.tools(), req.responseFormat());
        int[] prompt = SessionPrompt.tokenize(m.template(), m.model().vocab(), ChatOutputs.prompt(output, req.messages()));
        return GenerationPlan.stateless(prompt, req.maxTokens(), req.sampling(m.spec().sampling()), req.stop(),
                req.ignoreEos(), req.user()).withOutput(output.constraint(), output.parser()).withTokens(req.tokens());
    }
}
