package io.edgenode.server.http;

import io.edgenode.core.chat.ChatTemplateException;
import io.edgenode.core.engine.GenerationHandle;
import io.edgenode.core.engine.GenerationListener;
import io.edgenode.core.engine.GenerationRequest;
import io.edgenode.core.engine.KvState;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.node.LoadedModel;
import io.edgenode.server.node.ModelHost;
import io.edgenode.server.node.ModelRouter;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.ChatCompletionRequest;
import io.edgenode.server.openai.CompletionRequest;
import io.edgenode.server.session.SessionPrompt;
import io.edgenode.server.session.SessionService;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.security.SecureRandom;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/completions}. Parsing, template
 * rendering and tokenization run on a virtual thread ({@code blocking}), never on the event loop;
 * the generation then runs on the model's engine and its output comes back through an
 * {@link SseStream} or a {@link BufferedResponse}. Thread-safe (stateless).
 */
final class GenerationEndpoint {
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String FINGERPRINT = "fp_edgenode_llamacpp_de3ff815";

    private final ModelRouter router;
    private final ServerMetrics metrics;
    private final Executor blocking;
    private final SessionChat sessions; // null: the node keeps no sessions

    GenerationEndpoint(ModelHost host, ServerMetrics metrics, Executor blocking, SessionService sessions) {
        this.router = new ModelRouter(host, host.routing(), ModelRouter.DEFAULT_LOAD_WAIT);
        this.metrics = metrics;
        this.blocking = blocking;
        this.sessions = sessions == null ? null : new SessionChat(this, sessions, blocking);
    }

    /**
     * What a session turn adds to a generation: the KV snapshot to restore, whether to capture the
     * KV at the end, response headers, and a wrapper around the response sink (which stores the
     * turn before the final chunk is sent). {@link #NONE} for a stateless request.
     */
    record TurnOptions(KvState restoreKv, boolean captureKv, HttpHeaders headers, UnaryOperator<ResponseSink> wrap) {
        static final TurnOptions NONE = new TurnOptions(null, false, EmptyHttpHeaders.INSTANCE, UnaryOperator.identity());
    }

    /** What the router needs to finish the exchange: write an error, or resume reading when done. */
    interface Exchange {
        Channel channel();

        boolean keepAlive();

        HttpHeaders cors();

        /** Writes an error response (any thread) and ends the exchange. */
        void fail(ApiError error);

        /** Called once the response is fully written (event loop). */
        void done(int status);

        /** The exchange streams through {@code stream} (the router forwards writability changes). */
        void streaming(SseStream stream);

        /** The request's {@code X-Session-Id} header, or null. */
        String sessionHeader();
    }

    void chat(byte[] body, Exchange ex) {
        offload(ex, () -> {
            ChatCompletionRequest req = ChatCompletionRequest.parse(body);
            String sessionId = req.sessionId() != null ? req.sessionId() : ex.sessionHeader();
            if (sessionId != null) {
                if (sessions == null) {
                    throw new ApiException(ApiError.invalidRequest("session_id", "this node keeps no sessions"));
                }
                sessions.turn(req, sessionId, ex);
                return;
            }
            router.serve(req.model(), (m, route) -> chatOn(m, route, req, ex));
        });
    }

    /** One try of a stateless chat request on {@code m} (the router may try a fallback with its own template next). */
    private GenerationHandle chatOn(LoadedModel m, ModelRouter.Route route, ChatCompletionRequest req, Exchange ex) {
        String rendered;
        try {
            rendered = m.template().render(req.messages(), true);
        } catch (ChatTemplateException e) {
            throw new ApiException(ApiError.invalidRequest("messages", e.getMessage()));
        }
        int[] prompt = SessionPrompt.tokenize(m.template(), m.model().vocab(), rendered);
        route.admit(prompt.length);
        String id = newChatId();
        ResponseFormat format = ResponseFormats.chat(id, epochSeconds(), m.id(), FINGERPRINT);
        return start(ex, m, id, prompt, req.maxTokens(), req.sampling(m.spec().sampling()), req.stop(),
                req.ignoreEos(), req.user(), req.stream(), req.includeUsage(), format, TurnOptions.NONE);
    }

    void completion(byte[] body, Exchange ex) {
        offload(ex, () -> {
            CompletionRequest req = CompletionRequest.parse(body);
            router.serve(req.model(), (m, route) -> {
                int[] prompt = m.model().vocab().tokenize(req.prompt(), true, true);
                route.admit(prompt.length);
                String id = "cmpl-" + randomId();
                ResponseFormat format = ResponseFormats.text(id, epochSeconds(), m.id(), FINGERPRINT);
                return start(ex, m, id, prompt, req.maxTokens(), req.sampling(m.spec().sampling()), req.stop(),
                        req.ignoreEos(), req.user(), req.stream(), req.includeUsage(), format, TurnOptions.NONE);
            });
        });
    }

    static String newChatId() {
        return "chatcmpl-" + randomId();
    }

    /** Runs {@code work} on a virtual thread; an API error or a bug becomes the exchange's error response. */
    void offload(Exchange ex, Runnable work) {
        blocking.execute(() -> {
            try {
                work.run();
            } catch (ApiException e) {
                ex.fail(e.error());
            } catch (RuntimeException e) {
                ex.fail(ApiError.serverError("internal error: " + e.getMessage()));
            }
        });
    }

    /** Picks and leases models: aliases, {@code auto}, fallbacks, loads on demand (session turns use it too). */
    ModelRouter router() {
        return router;
    }

    /**
     * Checks the context and submits; an {@code EngineRejectedException} goes to the router, which
     * may try a fallback. Runs inside a {@link ModelRouter.Attempt}, which holds {@code m}'s lease.
     */
    GenerationHandle start(Exchange ex, LoadedModel m, String id, int[] prompt, int requestedMax,
            io.edgenode.core.llama.SamplingParams sampling, java.util.List<String> stop, boolean ignoreEos,
            String user, boolean stream, boolean includeUsage, ResponseFormat format, TurnOptions options) {
        int limit = m.engine().config().maxSequenceTokens();
        if (prompt.length >= limit) {
            throw new ApiException(ApiError.contextLengthExceeded("This model's maximum context length is " + limit
                    + " tokens. However, your messages resulted in " + prompt.length + " tokens."));
        }
        int maxTokens = requestedMax > 0 ? requestedMax
                : Math.min(limit - prompt.length, m.spec().sampling().maxTokens().orElse(Integer.MAX_VALUE));
        if (prompt.length + maxTokens > limit) {
            throw new ApiException(ApiError.contextLengthExceeded("This model's maximum context length is " + limit
                    + " tokens. However, you requested " + (prompt.length + maxTokens) + " tokens (" + prompt.length
                    + " in the messages, " + maxTokens + " in the completion)."));
        }
        Channel ch = ex.channel();
        HttpHeaders headers = ex.cors();
        if (!options.headers().isEmpty()) {
            headers = new DefaultHttpHeaders().add(ex.cors()).add(options.headers());
        }
        SseStream sse = null;
        BufferedResponse buffered = null;
        ResponseSink sink;
        if (stream) {
            sse = new SseStream(ch, format, includeUsage, ex.keepAlive(), headers, m.id(), metrics, () -> ex.done(200));
            sink = sse;
        } else {
            buffered = new BufferedResponse(ch, format, ex.keepAlive(), headers, ex::done);
            sink = buffered;
        }
        GenerationListener listener = withMetrics(options.wrap().apply(sink), m.id());
        GenerationRequest request = new GenerationRequest(id, prompt, maxTokens, sampling, stop, ignoreEos, user, 0,
                listener).withKv(options.restoreKv(), options.captureKv());
        GenerationHandle handle = m.engine().submit(request);
        if (sse != null) {
            sse.attach(handle);
            ch.eventLoop().execute(sse::drain); // headers and the first chunk go out now, before any token
            ex.streaming(sse);
        } else {
            buffered.attach(handle);
        }
        return handle;
    }

    /** Records usage in the metrics when a generation completes, then hands on to {@code target}. */
    private GenerationListener withMetrics(GenerationListener target, String modelId) {
        return new GenerationListener() {
            @Override
            public void onText(String delta) {
                target.onText(delta);
            }

            @Override
            public void onToken(int token) {
                target.onToken(token);
            }

            @Override
            public void onComplete(io.edgenode.core.engine.GenerationResult result) {
                metrics.recordGeneration(modelId, result.usage());
                target.onComplete(result);
            }
        };
    }

    private static long epochSeconds() {
        return System.currentTimeMillis() / 1000;
    }

    private static String randomId() {
        char[] c = new char[24];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }
}
