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
import io.netty.handler.timeout.IdleStateEvent;
import io.edgenode.server.config.ConnectionLimits;
import io.edgenode.server.gateway.AccessLog;
import io.edgenode.server.gateway.EndpointGroup;
import io.edgenode.server.gateway.Gateway;
import io.edgenode.server.gateway.Principal;
import io.edgenode.server.gateway.RequestIds;
import io.edgenode.server.openai.ApiException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * Routes one connection's requests and owns its exchanges. Event-loop only (one instance per
 * channel). At most one exchange runs at a time: while it does, further (pipelined) requests wait
 * in a queue bounded by count and bytes ({@link PipelinedRequests}; over it the channel stops
 * reading until it drains), so responses never interleave. The connection holds its current
 * exchange and nothing else: {@code channelInactive} cancels it (its generation's KV is freed at
 * the next step), and an exchange that ended is dropped, so nothing of a finished request stays
 * reachable from a long-lived keep-alive connection.
 *
 * <p>Timeouts: a request whose headers or body arrive too slowly ({@link ReadDeadlines}) is
 * answered 408 and the connection closed, and a connection idle between requests for the idle
 * timeout ({@code IdleStateHandler}) is closed; both only while no exchange is in flight, so a
 * response being generated or streamed is never cut by them.
 */
final class RequestRouter extends SimpleChannelInboundHandler<FullHttpRequest> implements HttpExchange.Owner {
    private static final System.Logger LOG = System.getLogger(RequestRouter.class.getName());
    private final ModelHost host;
    private final ServerMetrics metrics;
    private final GenerationEndpoint generation;
    private final SessionsEndpoint sessions;
    private final AdminEndpoint admin;
    private final EmbeddingsEndpoint embeddings;
    private final IndexesEndpoint indexes;
    private final Cors cors;
    static final String SESSION_HEADER = "X-Session-Id";
    static final String NODE_HEADER = "x-edgenode-node";
    private final Gateway gateway;
    private final AccessLog access;
    private final AdminUsageEndpoint usage;    // null: no ledger
    private final AdminKeysEndpoint keys;      // null: no gateway database
    private final LiveEndpoint live;           // null: no sessions
    private final ConsoleFiles console;
    private final WorkflowsEndpoint workflows;
    private static final String ADMIN_MODELS = "/admin/models/";

    private final PipelinedRequests pipelined;
    private final Consumer<HttpExchange> observer;
    private ChannelHandlerContext ctx;
    private HttpExchange current;
    /** The principal of the request being routed (event loop; handed to its exchange). */
    private Principal principal = Principal.KEYLESS;

    RequestRouter(ModelHost host, ServerMetrics metrics, GenerationEndpoint generation, SessionsEndpoint sessions,
            AdminEndpoint admin, EmbeddingsEndpoint embeddings, IndexesEndpoint indexes, Cors cors,
            ConnectionLimits limits, Consumer<HttpExchange> observer, Gateway gateway, AdminUsageEndpoint usage,
            AdminKeysEndpoint keys, LiveEndpoint live, ConsoleFiles console, WorkflowsEndpoint workflows) {
        this.console = console;
        this.workflows = workflows;
        this.keys = keys;
        this.live = live;
        this.observer = observer;
        this.gateway = gateway;
        this.access = gateway.accessLog();
        this.usage = usage;
        this.indexes = indexes;
        this.host = host;
        this.metrics = metrics;
        this.generation = generation;
        this.sessions = sessions;
        this.admin = admin;
        this.embeddings = embeddings;
        this.cors = cors;
        this.pipelined = new PipelinedRequests(limits.maxPipelinedRequests(), limits.maxPipelinedBytes());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** The exchange running on this connection, or null (for tests). */
    HttpExchange current() {
        return current;
    }

    /** The requests waiting behind the current exchange (for tests). */
    PipelinedRequests pipelined() {
        return pipelined;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (current != null) {
            pipelined.add(req);
            if (pipelined.isFull()) {
                ctx.channel().config().setAutoRead(false); // resumed when the queue drains
            }
            return;
        }
        handle(ctx, req);
    }

    /** The exchange for {@code req}, now this connection's current one. */
    private HttpExchange begin(FullHttpRequest req, boolean keepAlive, HttpHeaders corsHeaders, String endpoint,
            long start) {
        current = new HttpExchange(ctx.channel(), this, keepAlive, corsHeaders, endpoint, start,
                req.headers().get(SESSION_HEADER), corsHeaders.get(RequestIds.HEADER));
        current.principal(principal);
        current.request(req.method().name(), req.uri(), req.headers());
        observer.accept(current);
        return current;
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
        // From here every response carries the request's id and the node's name (CORS headers too).
        String requestId = RequestIds.accept(req.headers().get(RequestIds.HEADER));
        corsHeaders = new DefaultHttpHeaders().add(corsHeaders).set(RequestIds.HEADER, requestId)
                .set(NODE_HEADER, gateway.nodeId());
        EndpointGroup group = EndpointGroups.of(path);
        principal = Principal.KEYLESS;
        if (group != null) {
            try {
                String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
                if (authorization == null && LiveEndpoint.socketSession(path) != null) {
                    authorization = LiveEndpoint.queryKey(req.uri()); // browsers cannot set headers on a WebSocket
                }
                principal = gateway.authenticate(authorization, group);
            } catch (ApiException e) {
                if (e.error().status() == 401) {
                    corsHeaders.set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
                }
                access.refused(requestId, method.name(), path, e.error(), System.nanoTime() - start);
                error(ch, "auth", start, e.error(), keepAlive, corsHeaders);
                return;
            } catch (RuntimeException e) {
                // The key database could not be read: answer (503), never drop the connection unanswered.
                LOG.log(System.Logger.Level.ERROR, "authentication failed", e);
                ApiError unavailable = ApiError.unavailable("API keys cannot be checked right now.");
                access.refused(requestId, method.name(), path, unavailable, System.nanoTime() - start);
                error(ch, "auth", start, unavailable, keepAlive, corsHeaders);
                return;
            }
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
                var ex = begin(req, keepAlive, corsHeaders, endpoint, start);
                if (endpoint.equals("completions")) {
                    generation.completion(body, ex);
                } else {
                    generation.chat(body, ex);
                }
            }
            case "/v1/embeddings" -> {
                if (!method.equals(HttpMethod.POST)) {
                    error(ch, "embeddings", start, ApiError.methodNotAllowed(method.name(), path), keepAlive, corsHeaders);
                    return;
                }
                embeddings.handle(ByteBufUtil.getBytes(req.content()), begin(req, keepAlive, corsHeaders, "embeddings", start));
            }
            default -> {
                if (console.handles(path)) {
                    metrics.recordRequest("console", console.write(ch, req, path, keepAlive, corsHeaders),
                            System.nanoTime() - start);
                } else if (live != null && LiveEndpoint.socketSession(path) != null) {
                    socket(req, path, keepAlive, corsHeaders, start);
                } else if (live != null && LiveEndpoint.streamTurn(path) != null) {
                    turnStream(req, path, keepAlive, corsHeaders, start);
                } else if (path.equals("/v1/sessions") || path.startsWith("/v1/sessions/")) {
                    sessions(ctx, req, path, keepAlive, corsHeaders, start);
                } else if (workflows != null && WorkflowsEndpoint.handles(path)) {
                    workflows.handle(method, path, ByteBufUtil.getBytes(req.content()),
                            begin(req, keepAlive, corsHeaders, "workflows", start));
                } else if (IndexesEndpoint.handles(path)) {
                    indexes.handle(method, path, ByteBufUtil.getBytes(req.content()),
                            begin(req, keepAlive, corsHeaders, "indexes", start));
                } else if (keys != null && AdminKeysEndpoint.handles(path)) {
                    keys.handle(method, path, ByteBufUtil.getBytes(req.content()),
                            begin(req, keepAlive, corsHeaders, "admin_keys", start));
                } else if (usage != null && AdminUsageEndpoint.handles(path)) {
                    usage.handle(method, req.uri(), begin(req, keepAlive, corsHeaders, "admin_usage", start));
                } else if (path.startsWith(ADMIN_MODELS)) {
                    admin(ctx, req, path, keepAlive, corsHeaders, start);
                } else if (path.startsWith("/v1/models/") && method.equals(HttpMethod.GET)) {
                    String id = path.substring("/v1/models/".length());
                    var spec = host.spec(id).map(m -> m.id()).or(() -> host.embeddingSpec(id).map(e -> e.id()));
                    if (spec.isEmpty()) {
                        error(ch, "model", start, ApiError.modelNotFound(id), keepAlive, corsHeaders);
                    } else {
                        bytes(ch, "model", start, new OpenAiEncoder().model(info(host.status(spec.get()))),
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
        var ex = begin(req, keepAlive, corsHeaders, "sessions", start);
        sessions.handle(req.method(), path, req.uri(), body, ex);
    }

    /** {@code GET /v1/sessions/{id}/ws}: checks the session, then upgrades this connection to its WebSocket. */
    private void socket(FullHttpRequest req, String path, boolean keepAlive, HttpHeaders corsHeaders, long start) {
        Channel ch = ctx.channel();
        if (!req.method().equals(HttpMethod.GET)) {
            error(ch, "ws", start, ApiError.methodNotAllowed(req.method().name(), path), keepAlive, corsHeaders);
            return;
        }
        if (!"websocket".equalsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE))) {
            error(ch, "ws", start, ApiError.invalidRequest(null, "this is a session's WebSocket: connect with"
                    + " `Upgrade: websocket`"), keepAlive, corsHeaders);
            return;
        }
        var ex = begin(req, keepAlive, corsHeaders, "ws", start);
        live.upgrade(req.retainedDuplicate(), ex, LiveEndpoint.socketSession(path), pipelined::clear);
    }

    /** {@code GET /v1/sessions/{id}/turns/{turn}/stream}: a turn's events after {@code Last-Event-ID}. */
    private void turnStream(FullHttpRequest req, String path, boolean keepAlive, HttpHeaders corsHeaders, long start) {
        if (!req.method().equals(HttpMethod.GET)) {
            error(ctx.channel(), "turn_stream", start, ApiError.methodNotAllowed(req.method().name(), path), keepAlive,
                    corsHeaders);
            return;
        }
        String[] parts = LiveEndpoint.streamTurn(path);
        var q = new io.netty.handler.codec.http.QueryStringDecoder(req.uri());
        String lastEventId = req.headers().get("Last-Event-ID");
        if (lastEventId == null) {
            lastEventId = LiveEndpoint.first(q, "last_event_id");
        }
        boolean includeUsage = !"false".equals(LiveEndpoint.first(q, "include_usage"));
        var ex = begin(req, keepAlive, corsHeaders, "turn_stream", start);
        live.stream(ex, parts[0], Integer.parseInt(parts[1]), lastEventId, includeUsage);
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
        var ex = begin(req, keepAlive, corsHeaders, endpoint, start); // answered asynchronously
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
        if (ctx.channel().isWritable() && current != null) {
            current.writable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ReadDeadlines.Expired expired) {
            if (current == null) { // never while a response is in flight: that would cut it
                ApiError e = ApiError.requestTimeout(expired.what());
                HttpResponses.write(ctx.channel(), HttpResponses.error(e), false, EmptyHttpHeaders.INSTANCE);
                metrics.recordRequest("other", e.status(), 0);
                metrics.recordError("other", e.status(), e.type());
                LOG.log(System.Logger.Level.DEBUG, "{0}: {1} too slow, closing", ctx.channel().remoteAddress(),
                        expired.what());
            }
            return;
        }
        if (evt instanceof IdleStateEvent) {
            if (current == null && pipelined.isEmpty()) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        pipelined.clear();
        HttpExchange ex = current;
        if (ex != null) {
            ex.cancel(); // ends it: current is null after this
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Connection resets and the like: channelInactive cancels the exchange.
        ctx.close();
    }

    @Override
    public void ended(HttpExchange exchange, int status) {
        if (exchange != current) {
            return;
        }
        metrics.recordRequest(exchange.endpoint(), status, System.nanoTime() - exchange.startNanos());
        access.ended(exchange.accessLine(status, System.nanoTime() - exchange.startNanos()));
        current = null;
        Channel ch = ctx.channel();
        while (current == null && ch.isActive()) {
            FullHttpRequest next = pipelined.poll();
            if (next == null) {
                break;
            }
            try {
                handle(ctx, next); // may end at once (a /health), then the loop takes the next one
            } finally {
                next.release();
            }
        }
        if (!pipelined.isFull() && ch.isActive() && !ch.config().isAutoRead()) {
            ch.config().setAutoRead(true);
        }
    }

    @Override
    public void error(HttpExchange exchange, ApiError e) {
        metrics.recordError(exchange.endpoint(), e.status(), e.type());
    }
}
