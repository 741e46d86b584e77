package io.edgenode.server.http;

import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.node.ModelHost;
import io.edgenode.server.node.ModelStatus;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ModelInfo;
import io.edgenode.server.openai.OpenAiEncoder;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Routes one connection's requests. Event-loop only (one instance per channel). While a
 * generation is in flight, further (pipelined) requests of the connection wait in a small queue
 * and run after it, so responses never interleave. The channel keeps reading meanwhile, so a
 * client that goes away is seen at once (its generation is cancelled by the close future), for
 * buffered responses too.
 */
final class RequestRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final ModelHost host;
    private final ServerMetrics metrics;
    private final GenerationEndpoint generation;
    private final SessionsEndpoint sessions;
    private final AdminEndpoint admin;
    private final Cors cors;
    static final String SESSION_HEADER = "X-Session-Id";
    private static final String ADMIN_MODELS = "/admin/models/";
    /** Pipelined requests beyond this many waiting on one connection close it. */
    private static final int MAX_PIPELINED = 16;

    private SseStream stream;
    private boolean busy;
    private final java.util.ArrayDeque<FullHttpRequest> pipelined = new java.util.ArrayDeque<>();

    RequestRouter(ModelHost host, ServerMetrics metrics, GenerationEndpoint generation, SessionsEndpoint sessions,
            AdminEndpoint admin, Cors cors) {
        this.host = host;
        this.metrics = metrics;
        this.generation = generation;
        this.sessions = sessions;
        this.admin = admin;
        this.cors = cors;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (busy) {
            if (pipelined.size() >= MAX_PIPELINED) {
                ctx.close();
                return;
            }
            pipelined.add(req.retain()); // released after it runs
            return;
        }
        handle(ctx, req);
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest req) {
        long start = System.nanoTime();
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        HttpHeaders corsHeaders = cors.responseHeaders(origin);
        String path = pathOf(req.uri());
        HttpMethod method = req.method();
        Channel ch = ctx.channel();

        if (req.decoderResult().isFailure()) {
            error(ch, "other", start, ApiError.invalidRequest(null, "malformed HTTP request: "
                    + req.decoderResult().cause().getMessage()), false, corsHeaders);
            return;
        }
        if (method.equals(HttpMethod.OPTIONS)) {
            HttpHeaders pre = cors.preflightHeaders(origin);
            var r = HttpResponses.full(pre.isEmpty() ? HttpResponseStatus.FORBIDDEN : HttpResponseStatus.NO_CONTENT,
                    "text/plain", new byte[0]);
            r.headers().add(pre);
            HttpResponses.write(ch, r, keepAlive, EmptyHttpHeaders.INSTANCE);
            return;
        }
        switch (path) {
            case "/health" -> json(ch, "health", start, HttpResponseStatus.OK, "{\"status\":\"ok\"}", keepAlive, corsHeaders);
            case "/ready" -> {
                if (host.isReady()) {
                    json(ch, "ready", start, HttpResponseStatus.OK, "{\"status\":\"ready\"}", keepAlive, corsHeaders);
                } else {
                    error(ch, "ready", start, ApiError.notReady(), keepAlive, corsHeaders);
                }
            }
            case "/metrics" -> {
                byte[] body = metrics.scrape();
                HttpResponses.write(ch, HttpResponses.full(HttpResponseStatus.OK, metrics.contentType(), body),
                        keepAlive, corsHeaders);
                metrics.recordRequest("metrics", 200, System.nanoTime() - start);
            }
            case "/v1/models" -> {
                if (!method.equals(HttpMethod.GET)) {
                    error(ch, "models", start, ApiError.methodNotAllowed(method.name(), path), keepAlive, corsHeaders);
                    return;
                }
                List<ModelInfo> models = host.statuses().stream().map(RequestRouter::info).toList();
                bytes(ch, "models", start, new OpenAiEncoder().models(models), keepAlive, corsHeaders);
            }
            case "/v1/chat/completions", "/v1/completions" -> {
                String endpoint = path.equals("/v1/completions") ? "completions" : "chat_completions";
                if (!method.equals(HttpMethod.POST)) {
                    error(ch, endpoint, start, ApiError.methodNotAllowed(method.name(), path), keepAlive, corsHeaders);
                    return;
                }
                byte[] body = ByteBufUtil.getBytes(req.content());
                busy = true; // one exchange at a time on this connection
                var ex = new Exchange(ctx, keepAlive, corsHeaders, endpoint, start,
                        req.headers().get(SESSION_HEADER));
                if (endpoint.equals("completions")) {
                    generation.completion(body, ex);
                } else {
                    generation.chat(body, ex);
                }
            }
            default -> {
                if (path.equals("/v1/sessions") || path.startsWith("/v1/sessions/")) {
                    sessions(ctx, req, path, keepAlive, corsHeaders, start);
                } else if (path.startsWith(ADMIN_MODELS)) {
                    admin(ctx, req, path, keepAlive, corsHeaders, start);
                } else if (path.startsWith("/v1/models/") && method.equals(HttpMethod.GET)) {
                    String id = path.substring("/v1/models/".length());
                    var spec = host.spec(id);
                    if (spec.isEmpty()) {
                        error(ch, "model", start, ApiError.modelNotFound(id), keepAlive, corsHeaders);
                    } else {
                        bytes(ch, "model", start, new OpenAiEncoder().model(info(host.status(spec.get().id()))),
                                keepAlive, corsHeaders);
                    }
                } else {
                    error(ch, "other", start, ApiError.notFound(path), keepAlive, corsHeaders);
                }
            }
        }
    }

    /** The sessions API: store I/O on a virtual thread; the connection waits (like a generation) until it answers. */
    private void sessions(ChannelHandlerContext ctx, FullHttpRequest req, String path, boolean keepAlive,
            HttpHeaders corsHeaders, long start) {
        Channel ch = ctx.channel();
        byte[] body = ByteBufUtil.getBytes(req.content());
        busy = true;
        var ex = new Exchange(ctx, keepAlive, corsHeaders, "sessions", start, null);
        sessions.handle(req.method(), path, req.uri(), body, new SessionsEndpoint.Reply() {
            @Override
            public void json(byte[] bytes) {
                ch.eventLoop().execute(() -> {
                    if (ch.isActive()) {
                        HttpResponses.write(ch, HttpResponses.full(HttpResponseStatus.OK, HttpResponses.JSON, bytes),
                                keepAlive, corsHeaders);
                    }
                    ex.done(200);
                });
            }

            @Override
            public void fail(ApiError error) {
                ex.fail(error);
            }
        });
    }

    private static ModelInfo info(ModelStatus status) {
        return new ModelInfo(status.id(), status.createdEpochSeconds(), "edgenode", status.state().wireName(),
                status.progress(), status.error());
    }

    /** {@code /admin/models/{id}/(load|unload|pull)}; the id may contain slashes, the action is the last segment. */
    private void admin(ChannelHandlerContext ctx, FullHttpRequest req, String path, boolean keepAlive,
            HttpHeaders corsHeaders, long start) {
        Channel ch = ctx.channel();
        String rest = path.substring(ADMIN_MODELS.length());
        int slash = rest.lastIndexOf('/');
        String id = slash > 0 ? rest.substring(0, slash) : "";
        String action = slash > 0 ? rest.substring(slash + 1) : rest;
        HttpMethod expected = switch (action) {
            case "load", "unload" -> HttpMethod.POST;
            case "pull" -> HttpMethod.GET;
            default -> null;
        };
        String endpoint = "admin_" + (expected == null ? "other" : action);
        if (expected == null || id.isEmpty()) {
            error(ch, endpoint, start, ApiError.notFound(req.method().name(), path), keepAlive, corsHeaders);
            return;
        }
        if (!req.method().equals(expected)) {
            error(ch, endpoint, start, ApiError.methodNotAllowed(req.method().name(), path), keepAlive, corsHeaders);
            return;
        }
        var spec = host.specs().stream().filter(m -> m.id().equals(id)).findFirst();
        if (spec.isEmpty()) {
            error(ch, endpoint, start, ApiError.modelNotFound(id), keepAlive, corsHeaders);
            return;
        }
        busy = true; // answered asynchronously; pipelined requests wait
        var ex = new Exchange(ctx, keepAlive, corsHeaders, endpoint, start, null);
        switch (action) {
            case "load" -> admin.load(id, ex);
            case "unload" -> admin.unload(id, ex);
            default -> admin.pull(id, ex);
        }
    }

    private static String pathOf(String uri) {
        int q = uri.indexOf('?');
        String p = q >= 0 ? uri.substring(0, q) : uri;
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    private void json(Channel ch, String endpoint, long start, HttpResponseStatus status, String body, boolean keepAlive,
            HttpHeaders corsHeaders) {
        HttpResponses.write(ch, HttpResponses.full(status, HttpResponses.JSON, body.getBytes(StandardCharsets.UTF_8)),
                keepAlive, corsHeaders);
        metrics.recordRequest(endpoint, status.code(), System.nanoTime() - start);
    }

    private void bytes(Channel ch, String endpoint, long start, byte[] body, boolean keepAlive, HttpHeaders corsHeaders) {
        HttpResponses.write(ch, HttpResponses.full(HttpResponseStatus.OK, HttpResponses.JSON, body), keepAlive,
                corsHeaders);
        metrics.recordRequest(endpoint, 200, System.nanoTime() - start);
    }

    private void error(Channel ch, String endpoint, long start, ApiError e, boolean keepAlive, HttpHeaders corsHeaders) {
        HttpResponses.write(ch, HttpResponses.error(e), keepAlive, corsHeaders);
        metrics.recordRequest(endpoint, e.status(), System.nanoTime() - start);
        metrics.recordError(endpoint, e.status(), e.type());
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && stream != null) {
            stream.drain();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        for (FullHttpRequest r; (r = pipelined.poll()) != null; ) {
            r.release();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Connection resets and the like: the close future cancels any generation.
        ctx.close();
    }

    /** One request/response on this channel, handed to the generation endpoint. */
    private final class Exchange implements GenerationEndpoint.Exchange {
        private final ChannelHandlerContext ctx;
        private final Channel channel;
        private final boolean keepAlive;
        private final HttpHeaders corsHeaders;
        private final String endpoint;
        private final long startNanos;
        private final String sessionHeader;

        Exchange(ChannelHandlerContext ctx, boolean keepAlive, HttpHeaders corsHeaders, String endpoint,
                long startNanos, String sessionHeader) {
            this.sessionHeader = sessionHeader;
            this.ctx = ctx;
            this.channel = ctx.channel();
            this.keepAlive = keepAlive;
            this.corsHeaders = corsHeaders;
            this.endpoint = endpoint;
            this.startNanos = startNanos;
        }

        @Override
        public Channel channel() {
            return channel;
        }

        @Override
        public boolean keepAlive() {
            return keepAlive;
        }

        @Override
        public HttpHeaders cors() {
            return corsHeaders;
        }

        @Override
        public void fail(ApiError error) {
            channel.eventLoop().execute(() -> {
                if (channel.isActive()) {
                    error(channel, endpoint, startNanos, error, keepAlive, corsHeaders);
                }
                resume();
            });
        }

        @Override
        public void done(int status) {
            metrics.recordRequest(endpoint, status, System.nanoTime() - startNanos);
            resume();
        }

        @Override
        public String sessionHeader() {
            return sessionHeader;
        }

        @Override
        public void streaming(SseStream s) {
            channel.eventLoop().execute(() -> stream = s);
        }

        /** Event loop: the exchange is over; run the next pipelined request, if any. */
        private void resume() {
            stream = null;
            busy = false;
            FullHttpRequest next = pipelined.poll();
            if (next != null) {
                try {
                    if (channel.isActive()) {
                        handle(ctx, next);
                    }
                } finally {
                    next.release();
                }
            }
        }
    }
}
