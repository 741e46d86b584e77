package io.edgenode.server.http;

import io.edgenode.core.engine.EngineRejectedException;
import io.edgenode.core.engine.GenerationHandle;
import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.gateway.Admission;
import io.edgenode.server.gateway.CacheKeys;
import io.edgenode.server.gateway.CachePolicy;
import io.edgenode.server.gateway.Gateway;
import io.edgenode.server.gateway.ResponseCache;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.node.Candidates;
import io.edgenode.server.node.LoadedModel;
import io.edgenode.server.node.ModelRouter;
import io.edgenode.server.node.ModelUnavailableException;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.LogprobsEncoder;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.pipeline.GenerationPlan;
import io.edgenode.server.pipeline.Planner;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * One generation request, as a line of named stages: (authenticate, done by the router) -> admit
 * (scopes, request rate, concurrent streams, prompt guardrails; by the endpoint) -> resolve the
 * candidate models -> for each allowed one, lease it and plan (template, tokens, session history)
 * -> reserve (tokens and budget for the exact prompt plus the completion cap) -> cache lookup ->
 * submit -> stream -> record (refunds, budget, ledger). Every stage runs on the request's virtual
 * thread ({@code blocking}) up to the submit; the stream and record stages run on the engine's
 * decode thread (the sink hands bytes to the event loop). A stage that says no answers with
 * OpenAI's error shape before any header is sent, and its refusal is recorded in the ledger.
 * Thread-safe (stateless).
 *
 * <p>Whatever fails while a request is resolved, planned or submitted, an {@link Error}
 * included, the client gets a response, the plan's hold (a session's gate) is released and the
 * model's lease returned; the node logs it and stays up.
 */
final class GenerationPipeline {
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String FINGERPRINT = "fp_edgenode_llamacpp_de3ff815";
    static final String MODEL_HEADER = "x-edgenode-model";
    static final String CACHE_HEADER = "x-edgenode-cache-status";

    /** The two OpenAI output shapes. */
    enum Api { CHAT, TEXT }

    /**
     * What one request asks of the pipeline: which models ({@code candidates}, resolved by the
     * caller so that a 404 comes before any work), how to plan for one, and its output.
     */
    record Call(Candidates candidates, Planner planner, Api api, boolean stream, boolean includeUsage,
            Admission admission, CacheRequest cache, String turnInput) {
        /** {@code turnInput}: a session turn's new messages as the client sent them (JSON array), else null. */
        Call {}

        Call(Candidates candidates, Planner planner, Api api, boolean stream, boolean includeUsage,
                Admission admission, CacheRequest cache) {
            this(candidates, planner, api, stream, includeUsage, admission, cache, null);
        }
    }

    /**
     * A request the response cache may answer: its canonical body's digest (the tenant, model and
     * model file are added per candidate) and how long a reply it causes stays.
     */
    record CacheRequest(com.fasterxml.jackson.databind.JsonNode body, java.time.Duration ttl) {}

    private final ModelRouter router;
    private final ServerMetrics metrics;
    private final Executor blocking;
    private final Gateway gateway;
    private final LiveTurns live; // null: the node keeps no sessions

    GenerationPipeline(ModelRouter router, ServerMetrics metrics, Executor blocking, Gateway gateway) {
        this(router, metrics, blocking, gateway, null);
    }

    GenerationPipeline(ModelRouter router, ServerMetrics metrics, Executor blocking, Gateway gateway,
            LiveTurns live) {
        this.live = live;
        this.router = router;
        this.metrics = metrics;
        this.blocking = blocking;
        this.gateway = gateway;
    }

    Gateway gateway() {
        return gateway;
    }

    ModelRouter router() {
        return router;
    }

    /**
     * The admit stage (the request's virtual thread): the key's scopes for {@code model} and the
     * session, its request rate and concurrent streams, the prompt guardrails. A refusal is
     * recorded and thrown with its headers ({@code Retry-After}, rate limits) already on the exchange.
     */
    Admission admit(HttpExchange ex, String model, String user, String sessionId, String promptText) {
        Admission a = gateway.admission(ex.principal(), new Admission.Request(ex.requestId(), ex.endpoint(), model,
                user, sessionId, ex.requestHeader(Gateway.METADATA_HEADER), System.currentTimeMillis()));
        ex.note("user", user);
        ex.note("session", sessionId);
        ex.note("model", model);
        try {
            a.admit(promptText);
        } catch (ApiException e) {
            ex.headers().setAll(HttpResponses.headers(a.headers()));
            throw e;
        } finally {
            ex.note("flags", a.flags());
        }
        ex.headers().setAll(HttpResponses.headers(a.headers()));
        return a;
    }

    /** The cache stage's request-side half: null when the request bypasses the cache (or it is off). */
    CacheRequest cacheRequest(HttpExchange ex, byte[] body, boolean session) {
        if (gateway.cache() == null) {
            return null;
        }
        if (session) {
            return null;
        }
        var tree = io.edgenode.server.openai.OpenAiJson.readObject(body);
        var decision = gateway.cachePolicy().decide(tree, ex::requestHeader);
        return decision.eligible() ? new CacheRequest(tree, decision.ttl()) : null;
    }

    /** Runs {@code work} (which builds and runs a call) on a virtual thread; any failure becomes the exchange's answer. */
    void offload(HttpExchange ex, Runnable work) {
        Offload.run(blocking, ex, work);
    }

    /**
     * The stages, on the request's virtual thread. Each candidate is leased, planned for and
     * submitted; overloaded (429), failed or over-budget (503) and misfit ({@code auto}) tries
     * move on, and the last reason is the answer.
     */
    void run(Call call, HttpExchange ex) {
        Admission admission = call.admission();
        try {
            runCandidates(call, ex);
        } catch (ApiException e) {
            admission.refuse(e.error());
            ex.headers().setAll(HttpResponses.headers(admission.headers()));
            throw e;
        } catch (RuntimeException | Error e) {
            admission.refuse(ApiError.serverError("internal error"));
            throw e;
        }
    }

    private void runCandidates(Call call, HttpExchange ex) {
        Admission admission = call.admission();
        ApiError last = null;
        int index = -1;
        for (Optional<ModelSpec> next; (next = call.candidates().next()).isPresent(); ) {
            index++;
            if (!admission.allows(next.get())) {
                last = ApiError.forbidden("This API key may not use the model `" + next.get().id() + "`.");
                continue; // a fallback or auto choice outside the key's models is never served
            }
            LoadedModel m;
            try {
                m = router.acquire(next.get());
            } catch (ModelUnavailableException e) {
                last = ApiError.unavailable(e.getMessage());
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(ApiError.notReady());
            }
            boolean submitted = false;
            try {
                GenerationPlan plan = call.planner().plan(m);
                Submission submission = new Submission();
                try {
                    Optional<ApiError> misfit = call.candidates().misfit(m, plan.promptTokens().length);
                    if (misfit.isPresent()) {
                        last = misfit.get();
                        continue;
                    }
                    if (ex.isClosed()) {
                        admission.refuse(ApiError.clientClosed());
                        return; // the client left while the request was planned
                    }
                    int maxTokens = plan.completionCap(m.engine().config().maxSequenceTokens(),
                            m.spec().sampling().maxTokens().orElse(0));
                    admission.reserve(m.spec(), plan.promptTokens().length, maxTokens);
                    ex.headers().setAll(HttpResponses.headers(admission.headers()));
                    ex.headers().set(MODEL_HEADER, m.id());
                    ex.note("served_model", m.id());
                    ex.note("fallback", index);
                    submitted = submit(call, plan, m, ex, submission, index);
                    return;
                } finally {
                    if (!submitted) {
                        plan.hook().abandon();
                        if (!submission.kvHandedOver && plan.restoreKv() != null) {
                            plan.restoreKv().close(); // the engine never saw it
                        }
                    }
                }
            } catch (EngineRejectedException e) {
                admission.unreserve(); // the next candidate reserves for its own prompt
                switch (e.reason()) {
                    case OVERLOADED -> last = ApiError.overloaded(e.getMessage());
                    case CONTEXT_LENGTH_EXCEEDED -> throw new ApiException(ApiError.contextLengthExceeded(e.getMessage()));
                    case SHUT_DOWN -> last = ApiError.notReady();
                }
            } finally {
                if (!submitted) {
                    router.release(m);
                }
            }
        }
        throw new ApiException(last != null ? last : ApiError.notReady());
    }

    /**
     * Submit and stream: the sink for the response's form, the record stage around it, the
     * engine request. The lease goes back when the generation completes.
     *
     * @throws EngineRejectedException the engine refused the request (nothing was started)
     */
    private boolean submit(Call call, GenerationPlan plan, LoadedModel m, HttpExchange ex, Submission submission,
            int fallbackIndex) {
        String id = call.api() == Api.CHAT ? newChatId() : "cmpl-" + randomId();
        long created = System.currentTimeMillis() / 1000;
        java.util.function.Supplier<ResponseFormat> formats = () -> format(call.api(), plan, m, id, created);
        ResponseCache.Lookup cached = cacheLookup(call, m, ex);
        try {
            return submit(call, plan, m, ex, submission, fallbackIndex, id, formats, cached);
        } catch (RuntimeException | Error e) {
            if (cached instanceof ResponseCache.Miss miss) {
                // Identical requests follow this recording: end it, or they would wait for it forever.
                miss.recording().abandon("the request that was generating it failed: " + e.getMessage());
            }
            throw e;
        }
    }

    /** Submit and stream {@code format}, from the cache's answer when {@code cached} holds one. */
    private boolean submit(Call call, GenerationPlan plan, LoadedModel m, HttpExchange ex, Submission submission,
            int fallbackIndex, String id, java.util.function.Supplier<ResponseFormat> formats,
            ResponseCache.Lookup cached) {
        ResponseFormat format = formats.get();
        HttpHeaders headers = headers(plan);
        if (live != null && plan.session() != null && cached == null) {
            return submitTurn(call, plan, m, ex, submission, fallbackIndex, id, format, formats, headers);
        }
        SseStream sse = call.stream()
                ? new SseStream(ex, format, call.includeUsage(), headers, m.id(), metrics)
                : null;
        ResponseSink sink = sse != null ? sse : new BufferedResponse(ex, format, headers);
        RecordingListener response = new RecordingListener(sink, plan.hook(), metrics, m.id());
        if (cached != null && !(cached instanceof ResponseCache.Miss)) {
            // A reply the cache holds, or one being generated for an identical request: no engine work.
            RecordStage stage = new RecordStage(response, call.admission(), m.id(), fallbackIndex, "HIT", null,
                    call.stream());
            router.release(m);
            plan.hook().abandon();
            if (plan.restoreKv() != null) {
                plan.restoreKv().close();
            }
            submission.kvHandedOver = true;
            if (sse != null) {
                ex.channel().eventLoop().execute(sse::drain);
            }
            ex.attach(() -> { }, sse);
            cached.recording().subscribe(stage);
            return true;
        }
        RecordStage stage = new RecordStage(response, call.admission(), m.id(), fallbackIndex,
                cached != null ? "MISS" : call.admission().cacheStatusWithoutEntry(), cached == null ? null
                        : cached.recording(), call.stream());
        var request = engineRequest(call, plan, m, id, stage);
        submission.kvHandedOver = true; // from here the engine owns the snapshot, even when it refuses the request
        GenerationHandle handle = m.engine().submit(request);
        handle.completion().whenComplete((r, t) -> router.release(m));
        if (sse != null) {
            sse.attach(handle);
            ex.channel().eventLoop().execute(sse::drain); // headers and the first chunk go out now, before any token
        }
        ex.attach(handle::cancel, sse);
        return true;
    }

    /**
     * A session turn: its output goes to its live log, which the sender's stream (and the
     * session's WebSocket clients) read; the sender leaving does not cancel it (see {@link LiveTurns}).
     */
    private boolean submitTurn(Call call, GenerationPlan plan, LoadedModel m, HttpExchange ex, Submission submission,
            int fallbackIndex, String id, ResponseFormat format, java.util.function.Supplier<ResponseFormat> formats,
            HttpHeaders headers) {
        LiveTurns.Turn turn = live.begin(ex, plan.session(), format, formats,
                call.stream(), call.includeUsage(), headers, call.turnInput());
        GenerationHandle handle;
        try {
            RecordingListener response = new RecordingListener(turn.sink(), plan.hook(), metrics, m.id());
            RecordStage stage = new RecordStage(response, call.admission(), m.id(), fallbackIndex,
                    call.admission().cacheStatusWithoutEntry(), null, call.stream());
            var request = engineRequest(call, plan, m, id, stage);
            submission.kvHandedOver = true;
            handle = m.engine().submit(request);
        } catch (EngineRejectedException e) {
            // The log ends, so that watchers do not wait for a turn that never runs.
            turn.refused(switch (e.reason()) {
                case OVERLOADED -> ApiError.overloaded(e.getMessage());
                case CONTEXT_LENGTH_EXCEEDED -> ApiError.contextLengthExceeded(e.getMessage());
                case SHUT_DOWN -> ApiError.notReady();
            });
            throw e;
        } catch (RuntimeException | Error e) {
            turn.refused(ApiError.serverError("internal error"));
            throw e;
        }
        handle.completion().whenComplete((r, t) -> router.release(m));
        turn.submitted(handle);
        return true;
    }

    /** The engine's request for {@code plan} on {@code m}: the key's tenant and cache scope, the shared prefix. */
    private io.edgenode.core.engine.GenerationRequest engineRequest(Call call, GenerationPlan plan, LoadedModel m,
            String id, RecordStage stage) {
        return plan.toRequest(id, m.engine().config().maxSequenceTokens(), m.spec().sampling().maxTokens().orElse(0),
                        stage)
                .withTenant(call.admission().tenant(plan.tenant()), 0)
                .withCacheScope(call.admission().principal().cacheScope(),
                        gateway.sharedPrefixes().sharedLength(m, plan.promptTokens()));
    }

    /**
     * The response format of {@code plan} on {@code m}: text, chat, or chat with tool calls. A new one
     * each call (a tool-call format holds its parser's state): a session turn's log gets its own.
     */
    private static ResponseFormat format(Api api, GenerationPlan plan, LoadedModel m, String id, long created) {
        var vocab = m.model().vocab();
        LogprobsEncoder logprobs = plan.tokens().logprobs()
                ? new LogprobsEncoder(t -> vocab.pieceBytes(t, false)) : null;
        if (api == Api.TEXT) {
            return ResponseFormats.text(id, created, m.id(), FINGERPRINT, logprobs);
        }
        return plan.replyParser() != null ? new ToolCallResponseFormat(id, created, m.id(), FINGERPRINT,
                plan.session(), plan.memory(), plan.replyParser().get())
                : ResponseFormats.chat(id, created, m.id(), FINGERPRINT, plan.session(), plan.memory(), logprobs);
    }

    /** The cache stage: null when this request bypasses the cache (the header says why). */
    private ResponseCache.Lookup cacheLookup(Call call, LoadedModel m, HttpExchange ex) {
        ResponseCache cache = gateway.cache();
        if (cache == null) {
            return null;
        }
        if (call.cache() == null) {
            ex.headers().set(CACHE_HEADER, "BYPASS");
            ex.note("cache", "BYPASS");
            return null;
        }
        java.util.Optional<String> sha = gateway.modelDigest(m.spec());
        if (sha.isEmpty()) {
            ex.headers().set(CACHE_HEADER, "BYPASS"); // the file's digest is still being computed
            ex.note("cache", "BYPASS");
            return null;
        }
        String key = CacheKeys.of(call.cache().body(), m.id(), sha.get(), call.admission().principal().cacheScope());
        ResponseCache.Lookup l = cache.lookup(key, call.cache().ttl());
        String status = l instanceof ResponseCache.Miss ? "MISS" : "HIT";
        ex.headers().set(CACHE_HEADER, status);
        ex.note("cache", status);
        return l;
    }

    /** How far one submit got: whether the plan's KV snapshot reached the engine (which then owns it). */
    private static final class Submission {
        boolean kvHandedOver;
    }

    private static HttpHeaders headers(GenerationPlan plan) {
        if (plan.headers().isEmpty()) {
            return EmptyHttpHeaders.INSTANCE;
        }
        HttpHeaders h = new DefaultHttpHeaders();
        plan.headers().forEach(h::add);
        return h;
    }

    static String newChatId() {
        return "chatcmpl-" + randomId();
    }

    private static String randomId() {
        char[] c = new char[24];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }
}
