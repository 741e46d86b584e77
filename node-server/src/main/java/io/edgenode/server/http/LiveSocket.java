package io.edgenode.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.server.gateway.EndpointGroup;
import io.edgenode.server.gateway.Principal;
import io.edgenode.server.gateway.RequestIds;
import io.edgenode.server.live.LiveClient;
import io.edgenode.server.live.LiveHub;
import io.edgenode.server.live.LiveMessages;
import io.edgenode.server.live.LiveSession;
import io.edgenode.server.live.TurnLog;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.OpenAiJson;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One WebSocket client of a session ({@code /v1/sessions/{id}/ws}). Event-loop only, but for the
 * {@link LiveClient} methods, which any thread calls and which only queue and schedule a drain.
 *
 * <p>Out: every turn of the session as it is generated (whoever sent it), state changes, presence;
 * a turn's events are read from its {@link TurnLog} at this client's pace, so the client gets each
 * event once and in order, and a client that falls {@code maxClientLag} events behind (or lets
 * {@link #MAX_CONTROL} control messages pile up) is closed with 4008: it never slows the turn or
 * the others. In: {@code turn} (a chat request's fields; serialised with HTTP turns by the
 * session's gate), {@code cancel}, {@code state.set} / {@code state.patch}, {@code ping}. A bad
 * message gets an {@code error} reply and the connection stays open.
 */
final class LiveSocket extends SimpleChannelInboundHandler<WebSocketFrame> implements LiveClient, HttpExchange.Owner {
    private static final System.Logger LOG = System.getLogger(LiveSocket.class.getName());
    static final int CLOSE_TOO_SLOW = 4008;
    static final int MAX_CONTROL = 1024;
    /**
     * Turns and state changes one socket may have waiting or running at once: each holds a request
     * thread (a turn may wait minutes at the session's gate), so a client cannot pile up work.
     */
    static final int MAX_IN_FLIGHT = 8;

    /** What the socket needs from the rest of the node. */
    interface Node {
        /** Runs a chat request on the session (a detached exchange: its output reaches us through the log). */
        void chat(byte[] body, HttpExchange ex);

        /** Sets or patches the session's state (the request's virtual thread); answers the new version or throws. */
        void changeState(String sessionId, boolean patch, JsonNode value, long expectedVersion);
    }

    private final String sessionId;
    private final String sessionModel;
    private final Principal principal;
    private final LiveHub hub;
    private final Node node;
    private final ServerMetrics metrics;
    private final String hello;
    private final int resumeTurn;   // -1: none
    private final int resumeFrom;   // the first event to send of resumeTurn
    private final Object lock = new Object();
    private final ArrayDeque<String> control = new ArrayDeque<>();  // guarded by lock
    private final ArrayDeque<Following> logs = new ArrayDeque<>();  // guarded by lock
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicInteger inFlight =
            new java.util.concurrent.atomic.AtomicInteger(); // turns and state changes not yet ended
    private final Runnable signal = this::signal;
    private Channel channel;
    private LiveSession session;    // event loop; null until joined
    private volatile boolean closed;

    private record Following(TurnLog log, int from) {}

    /**
     * @param hello the first message (see {@link LiveMessages#hello}); its client count is the one before joining
     * @param resumeTurn the turn to resume ({@code last_event_id} given at connect), or -1
     * @param resumeFrom the first event of {@code resumeTurn} to send
     */
    LiveSocket(String sessionId, String sessionModel, Principal principal, LiveHub hub, Node node, ServerMetrics metrics, String hello,
            int resumeTurn, int resumeFrom) {
        this.sessionId = sessionId;
        this.sessionModel = sessionModel;
        this.principal = principal;
        this.hub = hub;
        this.node = node;
        this.metrics = metrics;
        this.hello = hello;
        this.resumeTurn = resumeTurn;
        this.resumeFrom = resumeFrom;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        synchronized (lock) {
            control.add(hello);
        }
        if (resumeTurn >= 0) {
            // A finished turn the client missed the end of: from its last event; the running one follows.
            hub.existing(sessionId).flatMap(s -> s.turn(resumeTurn)).filter(TurnLog::isComplete)
                    .ifPresent(this::follow);
        }
        var joined = hub.join(sessionId, this);
        if (joined.isEmpty()) {
            close(1013, "too many clients on this session");
            return;
        }
        session = joined.get();
        metrics.liveClientJoined();
        signal();
    }

    // ---- LiveClient (any thread) --------------------------------------------------------------

    @Override
    public void follow(TurnLog log) {
        int from = log.turn() == resumeTurn ? Math.min(resumeFrom, log.count()) : 0;
        synchronized (lock) {
            for (Following f : logs) {
                if (f.log() == log) {
                    return; // already following it (resumed before joining)
                }
            }
            logs.add(new Following(log, from));
        }
        log.subscribe(signal);
        signal();
    }

    @Override
    public void send(String json) {
        boolean overflow;
        synchronized (lock) {
            control.add(json);
            overflow = control.size() > MAX_CONTROL;
        }
        if (overflow) {
            close(CLOSE_TOO_SLOW, "client too slow");
            return;
        }
        signal();
    }

    @Override
    public void close(int code, String reason) {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        ch.eventLoop().execute(() -> {
            if (closed || !ch.isActive()) {
                return;
            }
            closed = true;
            ch.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
        });
    }

    private void signal() {
        Channel ch = channel;
        if (ch != null && drainScheduled.compareAndSet(false, true)) {
            ch.eventLoop().execute(this::drain);
        }
    }

    // ---- writing (event loop) -----------------------------------------------------------------

    private int cursor = -1; // in the head log; -1: not started

    private void drain() {
        drainScheduled.set(false);
        if (closed || !channel.isActive()) {
            return;
        }
        // Checked on every drain, writable or not: each append to the turn signals one.
        if (tooFarBehind()) {
            LOG.log(System.Logger.Level.WARNING, "WebSocket client {0} of session {1} fell more than {2} events"
                    + " behind: closing", channel.remoteAddress(), sessionId, hub.settings().maxClientLag());
            closed = true;
            channel.writeAndFlush(new CloseWebSocketFrame(CLOSE_TOO_SLOW, "client too slow"))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        boolean wrote = false;
        while (channel.isWritable()) {
            String msg;
            Following head;
            synchronized (lock) {
                msg = control.poll();
                head = msg == null ? logs.peek() : null;
            }
            if (msg != null) {
                channel.write(new TextWebSocketFrame(msg));
                wrote = true;
                continue;
            }
            if (head == null) {
                break;
            }
            TurnLog log = head.log();
            if (cursor < 0) {
                cursor = head.from();
            }
            int n = log.count();
            while (cursor < n && channel.isWritable()) {
                channel.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(log.webSocketFrame(log.event(cursor++)))));
                wrote = true;
            }
            if (cursor < n || !log.isComplete() || n != log.count()) {
                break; // not writable, or caught up with a running turn
            }
            log.unsubscribe(signal); // the turn is over for this client: on to the next one
            synchronized (lock) {
                logs.poll();
            }
            cursor = -1;
        }
        if (wrote) {
            channel.flush();
        }
    }

    /** Whether the turn being sent is more than {@code maxClientLag} events ahead of this client. */
    private boolean tooFarBehind() {
        Following head;
        synchronized (lock) {
            head = logs.peek();
        }
        if (head == null) {
            return false;
        }
        int at = cursor >= 0 ? cursor : head.from();
        return head.log().count() - at > hub.settings().maxClientLag();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            signal();
        }
        ctx.fireChannelWritabilityChanged();
    }

    // ---- reading (event loop) -----------------------------------------------------------------

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        switch (frame) {
            case TextWebSocketFrame text -> message(text.text());
            case PingWebSocketFrame ping -> ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            case PongWebSocketFrame pong -> { } // reading it reset the idle timer
            case CloseWebSocketFrame close -> {
                closed = true;
                ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode() > 0 ? close.statusCode() : 1000, ""))
                        .addListener(ChannelFutureListener.CLOSE);
            }
            default -> close(1003, "only text messages are supported");
        }
    }

    private void message(String text) {
        if (session == null) {
            return; // refused at join: the connection is closing
        }
        String ref = null;
        try {
            ObjectNode m = OpenAiJson.readObject(text.getBytes(StandardCharsets.UTF_8));
            JsonNode r = m.get("ref");
            ref = r == null || r.isNull() ? null : r.asText();
            JsonNode type = m.get("type");
            if (type == null || !type.isTextual()) {
                throw new ApiException(ApiError.invalidRequest("type", "a message needs a string `type`: turn, cancel,"
                        + " state.set, state.patch or ping"));
            }
            switch (type.asText()) {
                case "turn" -> turn(m, ref);
                case "cancel" -> {
                    if (!session.cancelRunning()) {
                        throw new ApiException(ApiError.invalidRequest(null, "no_running_turn",
                                "No turn of this session is running."));
                    }
                }
                case "state.set", "state.patch" -> state(m, ref, type.asText().equals("state.patch"));
                case "ping" -> send(LiveMessages.pong(ref));
                default -> throw new ApiException(ApiError.invalidRequest("type", "unknown message type `"
                        + type.asText() + "`: expected turn, cancel, state.set, state.patch or ping"));
            }
        } catch (ApiException e) {
            reply(ref, e.error());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "a message on the socket of session " + sessionId + " failed", e);
            reply(ref, ApiError.serverError("internal error"));
        }
    }

    /** Takes one of this socket's in-flight places; 429 when they are all taken. */
    private void enter() {
        if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            inFlight.decrementAndGet();
            throw new ApiException(new ApiError(429, ApiError.INVALID_REQUEST, "too_many_in_flight", null,
                    "This socket already has " + MAX_IN_FLIGHT + " turns or state changes waiting; wait for one"
                            + " to end."));
        }
    }

    /** A turn: the message's fields are a chat request on this session (its output comes back through the log). */
    private void turn(ObjectNode m, String ref) {
        if (!principal.scopes().allows(EndpointGroup.INFERENCE)) {
            throw new ApiException(ApiError.forbidden("This API key may not run inference."));
        }
        ObjectNode body = m.deepCopy();
        body.remove("type");
        body.remove("ref");
        body.remove("stream_options");
        body.put("session_id", sessionId);
        if (!body.hasNonNull("model")) {
            body.put("model", sessionModel); // a session's turns run on its own model anyway
        }
        body.put("stream", true);
        enter(); // left when the exchange ends (ended), however it ends
        HttpExchange ex = HttpExchange.detached(channel, this, "ws_turn", RequestIds.generate(), principal,
                error -> reply(ref, error));
        node.chat(body.toString().getBytes(StandardCharsets.UTF_8), ex);
    }

    private void state(ObjectNode m, String ref, boolean patch) {
        JsonNode value = m.get(patch ? "patch" : "state");
        if (value == null || !value.isObject()) {
            throw new ApiException(ApiError.invalidRequest(patch ? "patch" : "state", "`" + (patch ? "patch" : "state")
                    + "` must be a JSON object"));
        }
        JsonNode v = m.get("version");
        if (v != null && !v.isNull() && !v.canConvertToLong()) {
            throw new ApiException(ApiError.invalidRequest("version", "`version` must be an integer"));
        }
        long expected = v == null || v.isNull() ? -1 : v.asLong();
        enter();
        Thread.ofVirtual().name("edgenode-ws-state").start(() -> {
            try {
                node.changeState(sessionId, patch, value, expected); // broadcast to everyone by the state's owner
            } catch (ApiException e) {
                reply(ref, e.error());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "state change of " + sessionId + " failed", e);
                reply(ref, ApiError.serverError("internal error"));
            } finally {
                inFlight.decrementAndGet();
            }
        });
    }

    private void reply(String ref, ApiError error) {
        metrics.recordError("ws", error.status(), error.type());
        send(LiveMessages.error(ref, new String(error.toJson(), StandardCharsets.UTF_8)));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE) {
                close(4001, "no pong");
            } else {
                ctx.writeAndFlush(new PingWebSocketFrame());
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            close(1009, "message too big");
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "WebSocket of session " + sessionId + " failed: " + cause);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        if (session != null) {
            session.leave(this);
            metrics.liveClientLeft();
        }
        synchronized (lock) {
            for (Following f : logs) {
                f.log().unsubscribe(signal);
            }
            logs.clear();
            control.clear();
        }
        super.channelInactive(ctx);
    }

    // ---- HttpExchange.Owner: the turns this client sends ---------------------------------------

    @Override
    public void ended(HttpExchange exchange, int status) {
        inFlight.decrementAndGet();
        metrics.recordRequest(exchange.endpoint(), status, System.nanoTime() - exchange.startNanos());
    }

    @Override
    public void error(HttpExchange exchange, ApiError error) {
        metrics.recordError(exchange.endpoint(), error.status(), error.type());
    }
}
