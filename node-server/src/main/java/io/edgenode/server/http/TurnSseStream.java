package io.edgenode.server.http;

import io.edgenode.server.live.TurnLog;
import io.edgenode.server.openai.OpenAiEncoder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A session turn streamed as server-sent events from its {@link TurnLog}, each event with its id
 * ({@code id: <turn>:<seq>}) so that a client that loses the connection can resume with
 * {@code Last-Event-ID}: the response of the client that sent the turn, and every resumed stream.
 * Event-loop only, but for {@link #signal}, which any thread calls (the log's signalling thread).
 *
 * <p>Reads the log from its cursor while the channel is writable; a client that falls more than
 * {@code maxLag} events behind is disconnected (the turn goes on: it is watched by others or gets
 * its disconnect grace). Leaving, finished or not, closes its watch on the session.
 */
final class TurnSseStream implements Drainable {
    private static final System.Logger LOG = System.getLogger(TurnSseStream.class.getName());
    private static final int MAX_WRITE_CHARS = 64 * 1024;

    private final HttpExchange exchange;
    private final Channel channel;
    private final TurnLog log;
    private final boolean includeUsage;
    private final HttpHeaders headers;
    private final int maxLag;
    private final AutoCloseable watch;
    private final boolean sender;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicBoolean left = new AtomicBoolean();
    private final Runnable signal = this::signal;
    private int cursor;          // event loop only
    private boolean headersSent; // event loop only
    private boolean done;        // event loop only

    /**
     * @param from the first event to send (0: all; a resumed stream starts after its last event id)
     * @param headers the response's extra headers (the exchange adds its own)
     * @param watch the stream's watch on the session (see {@code LiveSession.watch}), closed when it leaves
     * @param sender whether this is the response of the client that sent the turn (woken on the
     *     producer's thread, see {@link TurnLog#subscribeInline}); resumed streams are woken by the hub
     */
    TurnSseStream(HttpExchange exchange, TurnLog log, int from, boolean includeUsage, HttpHeaders headers, int maxLag,
            AutoCloseable watch, boolean sender) {
        this.sender = sender;
        this.exchange = exchange;
        this.channel = exchange.channel();
        this.log = log;
        this.cursor = from;
        this.includeUsage = includeUsage;
        this.headers = headers;
        this.maxLag = maxLag;
        this.watch = watch;
    }

    /** Starts reading: the head and whatever the log holds go out now, the rest as it comes. */
    void start() {
        if (left.get()) {
            return; // the client left while the turn was being submitted
        }
        if (sender) {
            log.subscribeInline(signal);
        } else {
            log.subscribe(signal);
        }
        if (left.get()) {
            log.unsubscribe(signal); // left meanwhile: leave() may have run before the subscription
            return;
        }
        signal();
    }

    /** The client left (its connection closed) or the stream ended: stop reading, leave the session. */
    void leave() {
        if (left.compareAndSet(false, true)) {
            log.unsubscribe(signal);
            try {
                watch.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "leaving turn " + log.turn() + " failed", e);
            }
        }
    }

    private void signal() {
        if (drainScheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(this::drain);
        }
    }

    @Override
    public void drain() {
        drainScheduled.set(false);
        if (done || !channel.isActive()) {
            return;
        }
        if (!headersSent) {
            channel.write(HttpResponses.sseHead(exchange, headers));
            headersSent = true;
        }
        int available = log.count();
        if (available - cursor > maxLag) {
            LOG.log(System.Logger.Level.WARNING, "stream client {0} is {1} events behind turn {2} of {3}: disconnecting",
                    channel.remoteAddress(), available - cursor, log.turn(), log.sessionId());
            channel.close(); // the exchange's cancel makes it leave; the turn goes on
            return;
        }
        StringBuilder out = new StringBuilder();
        boolean terminal = false;
        while (cursor < available && !terminal && channel.isWritable()) {
            TurnLog.Event e = log.event(cursor++);
            terminal = render(e, out);
            if (out.length() >= MAX_WRITE_CHARS) {
                write(out);
            }
        }
        write(out);
        if (terminal) {
            done = true;
            leave();
            var f = channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            if (!exchange.keepAlive()) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
            exchange.done(200);
            return;
        }
        channel.flush(); // not writable: channelWritabilityChanged calls drain() again
    }

    /** Appends {@code e}'s SSE text; true for the terminal event (then {@code [DONE]} is appended too). */
    private boolean render(TurnLog.Event e, StringBuilder out) {
        String id = log.eventId(e.seq());
        switch (e.kind()) {
            case STARTED -> {
                if (e.payload() != null) {
                    out.append(SseEvents.event(id, e.payload()));
                }
            }
            case DELTA -> out.append(SseEvents.event(id, e.payload()));
            case FINISHED -> {
                out.append(SseEvents.event(id, e.payload()));
                if (includeUsage && e.usage() != null) {
                    out.append("data: ").append(e.usage()).append("\n\n");
                }
            }
            case FAILED -> out.append(SseEvents.event(id, e.payload()));
        }
        if (e.isTerminal()) {
            out.append(new String(OpenAiEncoder.DONE, StandardCharsets.US_ASCII));
            return true;
        }
        return false;
    }

    private void write(StringBuilder out) {
        if (!out.isEmpty()) {
            channel.write(new DefaultHttpContent(Unpooled.wrappedBuffer(out.toString().getBytes(StandardCharsets.UTF_8))));
            out.setLength(0);
        }
    }
}
