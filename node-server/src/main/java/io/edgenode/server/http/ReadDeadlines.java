package io.edgenode.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Deadlines for receiving one request, against clients that trickle their headers or body
 * (slowloris): from a request's first byte to the end of its headers, then to the end of its
 * body. Event-loop only (one per connection). Two handlers share the state: {@link #bytes()} sits
 * before the HTTP codec and sees a request start, {@link #messages()} sits after it and sees its
 * headers and last content. A missed deadline fires {@link Expired} down the pipeline; the
 * router decides (it never cuts a response in flight). Netty's {@code IdleStateHandler} only
 * notices silence, and a trickling client is never silent, hence these absolute deadlines.
 *
 * <p>Known gap, on purpose: bytes of a pipelined request that arrive in the same read as the end
 * of the one before it start no deadline until the next read (or the idle timeout) comes.
 */
final class ReadDeadlines {
    /** The user event fired when a request was not received in time. */
    record Expired(String what) {}

    private final long headerNanos;
    private final long bodyNanos;
    private ScheduledFuture<?> timer;
    private boolean inRequest;

    ReadDeadlines(Duration header, Duration body) {
        this.headerNanos = header.toNanos();
        this.bodyNanos = body.toNanos();
    }

    /** Before the codec: the first bytes of a request start the header deadline. */
    ChannelInboundHandlerAdapter bytes() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                if (!inRequest && msg instanceof ByteBuf b && b.isReadable()) {
                    inRequest = true;
                    arm(ctx, headerNanos, "request headers");
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                cancel();
                ctx.fireChannelInactive();
            }
        };
    }

    /** After the codec: the headers switch to the body deadline, the last content ends it. */
    ChannelInboundHandlerAdapter messages() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                if (msg instanceof HttpRequest) {
                    inRequest = true;
                    arm(ctx, bodyNanos, "request body");
                }
                if (msg instanceof LastHttpContent) {
                    cancel();
                    inRequest = false;
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    private void arm(ChannelHandlerContext ctx, long nanos, String what) {
        cancel();
        // Fired from the head of the pipeline so every handler sees it (the router acts on it).
        timer = ctx.executor().schedule(() -> ctx.channel().pipeline().fireUserEventTriggered(new Expired(what)),
                nanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
