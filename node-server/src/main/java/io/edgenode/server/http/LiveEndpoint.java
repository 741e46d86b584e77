package io.edgenode.server.http;

import io.edgenode.server.live.LiveHub;
import io.edgenode.server.live.LiveMessages;
import io.edgenode.server.live.TurnLog;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.session.Session;
import io.edgenode.server.session.SessionErrors;
import io.edgenode.server.session.SessionService;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The live session endpoints (our extension): {@code GET /v1/sessions/{id}/ws} (the WebSocket;
 * a browser, which cannot set headers on it, may pass its key as {@code ?api_key=}) and
 * {@code GET /v1/sessions/{id}/turns/{turn}/stream} (a turn's events again, after
 * {@code Last-Event-ID} or {@code ?last_event_id=}, then the live rest). Store reads run on a
 * virtual thread; the upgrade itself on the connection's event loop. Thread-safe (stateless).
 */
final class LiveEndpoint {
    private static final Pattern SOCKET = Pattern.compile("^/v1/sessions/([^/]+)/ws$");
    private static final Pattern STREAM = Pattern.compile("^/v1/sessions/([^/]+)/turns/([0-9]{1,9})/stream$");

    /** The session's state as the WebSocket's hello shows it: version and JSON, read on a virtual thread. */
    interface StateReader {
        /** {@code [version, json]}; throws a SessionStoreException-backed ApiException when unreadable. */
        Object[] read(String sessionId);
    }

    private final SessionService sessions;
    private final LiveHub hub;
    private final Executor blocking;
    private final ServerMetrics metrics;
    private final LiveSocket.Node node;
    private final StateReader states;

    LiveEndpoint(SessionService sessions, LiveHub hub, Executor blocking, ServerMetrics metrics, LiveSocket.Node node,
            StateReader states) {
        this.sessions = sessions;
        this.hub = hub;
        this.blocking = blocking;
        this.metrics = metrics;
        this.node = node;
        this.states = states;
    }

    /** The session id when {@code path} is a session's WebSocket, else null. */
    static String socketSession(String path) {
        Matcher m = SOCKET.matcher(path);
        return m.matches() ? m.group(1) : null;
    }

    /** {@code [sessionId, turn]} when {@code path} is a turn's stream, else null. */
    static String[] streamTurn(String path) {
        Matcher m = STREAM.matcher(path);
        return m.matches() ? new String[] {m.group(1), m.group(2)} : null;
    }

    /** The key a WebSocket URL carries ({@code ?api_key=}), as an Authorization header value; null when none. */
    static String queryKey(String uri) {
        String k = first(new QueryStringDecoder(uri), "api_key");
        return k == null || k.isBlank() ? null : "Bearer " + k;
    }

    /**
     * Upgrades the connection to the session's WebSocket once the session is known to exist (then
     * {@code swap} replaces the HTTP handlers). {@code req} is retained here and released.
     */
    void upgrade(FullHttpRequest req, HttpExchange ex, String sessionId, Runnable beforeSwap) {
        if (!ex.principal().scopes().allowsSession(sessionId)) {
            req.release();
            ex.fail(ApiError.forbidden("This API key may only use sessions whose id starts with `"
                    + ex.principal().scopes().sessionPrefix() + "`."));
            return;
        }
        String lastEventId = first(new QueryStringDecoder(req.uri()), "last_event_id");
        Offload.run(blocking, ex, () -> {
            String hello;
            String model;
            int[] resume;
            try {
                resume = resumePoint(lastEventId);
                var store = SessionErrors.call(sessions::store);
                Session s = SessionErrors.call(() -> store.get(sessionId))
                        .orElseThrow(() -> new ApiException(SessionErrors.notFound(sessionId)));
                model = s.model();
                Object[] state = states.read(sessionId);
                Integer running = hub.existing(sessionId).flatMap(l -> l.running()).map(TurnLog::turn).orElse(null);
                hello = LiveMessages.hello(sessionId, hub.existing(sessionId).map(l -> l.clientCount() + 1).orElse(1),
                        s.turnCount(), running, (Long) state[0], (String) state[1]);
            } catch (RuntimeException e) {
                req.release();
                throw e;
            }
            Channel ch = ex.channel();
            ch.eventLoop().execute(() -> handshake(ch, req, ex, sessionId, model, hello, resume, beforeSwap));
        });
    }

    /** {@code [turn, firstEvent]} from a {@code last_event_id} ({@code <turn>:<seq>}); {@code [-1, 0]} for none. */
    private static int[] resumePoint(String lastEventId) {
        if (lastEventId == null || lastEventId.isBlank()) {
            return new int[] {-1, 0};
        }
        String[] parts = lastEventId.strip().split(":");
        try {
            if (parts.length == 2) {
                int turn = Integer.parseInt(parts[0]);
                int seq = Integer.parseInt(parts[1]);
                if (turn >= 0 && seq >= 0) {
                    return new int[] {turn, seq + 1};
                }
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ApiException(ApiError.invalidRequest("last_event_id", "an event id looks like `<turn>:<seq>`, got `"
                + lastEventId + "`"));
    }

    private void handshake(Channel ch, FullHttpRequest req, HttpExchange ex, String sessionId, String model,
            String hello,
            int[] resume, Runnable beforeSwap) {
        try {
            if (!ch.isActive()) {
                return;
            }
            int maxMessage = hub.settings().maxMessageBytes();
            WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                    "ws://" + req.headers().get(HttpHeaderNames.HOST) + req.uri(), null, false, maxMessage)
                    .newHandshaker(req);
            if (handshaker == null) {
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ch);
                ex.done(426);
                return;
            }
            beforeSwap.run(); // the router lets go of the exchange and of pipelined requests
            ChannelPipeline p = ch.pipeline();
            handshaker.handshake(ch, req);
            for (String name : List.of(HttpNode.DEADLINE_BYTES, HttpNode.DEADLINE_MESSAGES)) {
                if (p.get(name) != null) {
                    p.remove(name);
                }
            }
            long ping = hub.settings().pingInterval().toMillis();
            p.replace(HttpNode.IDLE, HttpNode.IDLE, new IdleStateHandler(2 * ping, ping, 0, TimeUnit.MILLISECONDS));
            p.addBefore(HttpNode.ROUTER, "ws-aggregator", new WebSocketFrameAggregator(maxMessage));
            p.replace(HttpNode.ROUTER, "live", new LiveSocket(sessionId, model, ex.principal(), hub, node, metrics, hello,
                    resume[0], resume[1]));
            ex.done(101);
        } finally {
            req.release();
        }
    }

    /** A turn's stream, from after {@code lastEventId} (null: from the start). */
    void stream(HttpExchange ex, String sessionId, int turn, String lastEventId, boolean includeUsage) {
        if (!ex.principal().scopes().allowsSession(sessionId)) {
            ex.fail(ApiError.forbidden("This API key may only use sessions whose id starts with `"
                    + ex.principal().scopes().sessionPrefix() + "`."));
            return;
        }
        var log = hub.existing(sessionId).flatMap(s -> s.turn(turn));
        if (log.isEmpty()) {
            Offload.run(blocking, ex, () -> {
                var store = SessionErrors.call(sessions::store);
                Session s = SessionErrors.call(() -> store.get(sessionId))
                        .orElseThrow(() -> new ApiException(SessionErrors.notFound(sessionId)));
                if (turn < s.turnCount()) {
                    throw new ApiException(new ApiError(410, ApiError.INVALID_REQUEST, "turn_stream_expired", null,
                            "Turn " + turn + " of session " + sessionId + " finished too long ago to resume its"
                                    + " stream; GET /v1/sessions/" + sessionId + " has its reply."));
                }
                throw new ApiException(new ApiError(404, ApiError.INVALID_REQUEST, "turn_not_found", null,
                        "Session " + sessionId + " has no running or recent turn " + turn + "."));
            });
            return;
        }
        TurnLog l = log.get();
        int from = 0;
        if (lastEventId != null && !lastEventId.isBlank()) {
            int seq = l.seqOf(lastEventId);
            if (seq < 0 || seq >= l.count()) {
                ex.fail(ApiError.invalidRequest("Last-Event-ID", "`" + lastEventId + "` is not an event of turn " + turn
                        + " sent so far (ids look like `" + turn + ":<seq>`)"));
                return;
            }
            from = seq + 1;
        }
        HttpHeaders headers = new DefaultHttpHeaders().set("X-Session-Id", sessionId)
                .set("X-Session-Turn", Integer.toString(turn));
        TurnSseStream stream = new TurnSseStream(ex, l, from, includeUsage, headers, hub.settings().maxClientLag(),
                hub.watch(l), false);
        ex.attach(stream::leave, stream);
        stream.start();
    }

    static String first(QueryStringDecoder q, String name) {
        List<String> v = q.parameters().get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }


}
