package io.edgenode.server.http;

import io.edgenode.core.engine.EngineRejectedException;
import io.edgenode.core.engine.GenerationHandle;
import io.edgenode.server.config.ModelSpec;
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
 * One generation request, as a line of named stages: resolve the candidate models -> for each,
 * lease it and plan (template, tokens, session history) -> submit -> stream -> record. Every
 * stage runs on the request's virtual thread ({@code blocking}) up to the submit; the stream and
 * record stages run on the engine's decode thread (the sink hands bytes to the event loop). A
 * stage that says no answers with OpenAI's error shape before any header is sent. Authentication
 * and admission (keys, rate limits, budgets) are not stages yet: the node is keyless today.
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

    /** The two OpenAI output shapes. */
    enum Api { CHAT, TEXT }

    /**
     * What one request asks of the pipeline: which models ({@code candidates}, resolved by the
     * caller so that a 404 comes before any work), how to plan for one, and its output.
     */
    record Call(Candidates candidates, Planner planner, Api api, boolean stream, boolean includeUsage) {}

    private final ModelRouter router;
    private final ServerMetrics metrics;
    private final Executor blocking;

    GenerationPipeline(ModelRouter router, ServerMetrics metrics, Executor blocking) {
        this.router = router;
        this.metrics = metrics;
        this.blocking = blocking;
    }

    ModelRouter router() {
        return router;
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
        ApiError last = null;
        for (Optional<ModelSpec> next; (next = call.candidates().next()).isPresent(); ) {
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
                        return; // the client left while the request was planned
                    }
                    submit(call, plan, m, ex, submission);
                    submitted = true;
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
    private void submit(Call call, GenerationPlan plan, LoadedModel m, HttpExchange ex, Submission submission) {
        String id = call.api() == Api.CHAT ? newChatId() : "cmpl-" + randomId();
        long created = System.currentTimeMillis() / 1000;
        var vocab = m.model().vocab();
        LogprobsEncoder logprobs = plan.tokens().logprobs()
                ? new LogprobsEncoder(t -> vocab.pieceBytes(t, false)) : null;
        ResponseFormat format = call.api() == Api.TEXT ? ResponseFormats.text(id, created, m.id(), FINGERPRINT, logprobs)
                : plan.replyParser() != null ? new ToolCallResponseFormat(id, created, m.id(), FINGERPRINT,
                        plan.session(), plan.memory(), plan.replyParser().get())
                : ResponseFormats.chat(id, created, m.id(), FINGERPRINT, plan.session(), plan.memory(), logprobs);
        HttpHeaders headers = headers(plan);
        SseStream sse = call.stream()
                ? new SseStream(ex, format, call.includeUsage(), headers, m.id(), metrics)
                : null;
        ResponseSink sink = sse != null ? sse : new BufferedResponse(ex, format, headers);
        RecordingListener listener = new RecordingListener(sink, plan.hook(), metrics, m.id());
        var request = plan.toRequest(id, m.engine().config().maxSequenceTokens(),
                m.spec().sampling().maxTokens().orElse(0), listener);
        submission.kvHandedOver = true; // from here the engine owns the snapshot, even when it refuses the request
        GenerationHandle handle = m.engine().submit(request);
        handle.completion().whenComplete((r, t) -> router.release(m));
        if (sse != null) {
            sse.attach(handle);
            ex.channel().eventLoop().execute(sse::drain); // headers and the first chunk go out now, before any token
        }
        ex.attach(handle::cancel, sse);
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
