package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.GenerationHandle;
import io.edgenode.core.engine.GenerationResult;
import io.edgenode.core.engine.Usage;
import io.edgenode.server.config.ConnectionLimits;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.openai.SessionUsage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/**
 * The connection handler alone, in an {@link EmbeddedChannel}: one thread plays the event loop,
 * the engine and the request threads, so every interleaving is the test's choice. Requests go to
 * the sessions API of a node without sessions (answered 404 on a "virtual thread" that is a
 * queue the test runs by hand), which keeps an exchange in flight as long as the test wants.
 */
class RequestRouterTest {
    /** An executor whose tasks run when the test says. */
    static final class ManualExecutor implements Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable r) {
            tasks.add(r);
        }

        void runOne() {
            tasks.remove().run();
        }
    }

    final ManualExecutor blocking = new ManualExecutor();

    EmbeddedChannel channel(ConnectionLimits limits) {
        var sessions = new SessionsEndpoint(null, null, blocking, null);
        var router = new RequestRouter(null, new ServerMetrics(), null, sessions, null,
                new EmbeddingsEndpoint(null, blocking), new IndexesEndpoint(null, blocking), new Cors(List.of()), limits,
                ex -> { }, io.edgenode.server.gateway.Gateway.keyless(io.edgenode.server.config.GatewaySettings.DEFAULTS,
                        null, name -> java.util.Optional.empty()), null, null, null, ConsoleFiles.fromClasspath(), null);
        return new EmbeddedChannel(router);
    }

    static RequestRouter router(EmbeddedChannel ch) {
        return ch.pipeline().get(RequestRouter.class);
    }

    static FullHttpRequest sessionsRequest(int bodyBytes) {
        ByteBuf body = Unpooled.wrappedBuffer("x".repeat(bodyBytes).getBytes(StandardCharsets.UTF_8));
        var r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/sessions", body);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bodyBytes);
        return r;
    }

    static FullHttpRequest health() {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/health");
    }

    static String bodyOf(FullHttpResponse r) {
        try {
            return r.content().toString(StandardCharsets.UTF_8);
        } finally {
            r.release();
        }
    }

    @Test
    void shouldStopReadingWhilePipelinedBytesAreOverTheBoundAndAnswerInOrder() {
        EmbeddedChannel ch = channel(new ConnectionLimits(Duration.ofSeconds(5), Duration.ofSeconds(5),
                Duration.ofSeconds(5), 16, 1000));
        ch.writeInbound(sessionsRequest(10)); // runs: its answer waits on the request thread
        assertNotNull(router(ch).current());
        ch.writeInbound(sessionsRequest(400));
        ch.writeInbound(sessionsRequest(400));
        assertTrue(ch.config().isAutoRead(), "800 bytes queued: under the bound");
        ch.writeInbound(sessionsRequest(400));
        assertFalse(ch.config().isAutoRead(), "1,200 bytes queued: reading stops");
        assertEquals(3, router(ch).pipelined().size());
        assertNull(ch.readOutbound(), "nothing answered yet");

        blocking.runOne(); // the first answer goes out; the next request runs
        ch.runPendingTasks();
        assertTrue(bodyOf(ch.readOutbound()).contains("Invalid URL (POST /v1/sessions)"));
        assertTrue(ch.config().isAutoRead(), "800 bytes queued: reading resumes");
        for (int i = 0; i < 3; i++) {
            blocking.runOne();
            ch.runPendingTasks();
            assertNotNull(ch.readOutbound(), "answer " + (i + 2));
        }
        assertNull(router(ch).current());
        assertEquals(0, router(ch).pipelined().bytes());
        ch.finishAndReleaseAll();
    }

    @Test
    void shouldStopReadingWhenTooManyRequestsArePipelined() {
        EmbeddedChannel ch = channel(new ConnectionLimits(Duration.ofSeconds(5), Duration.ofSeconds(5),
                Duration.ofSeconds(5), 2, 1 << 20));
        ch.writeInbound(sessionsRequest(1));
        ch.writeInbound(health());
        assertTrue(ch.config().isAutoRead());
        ch.writeInbound(health());
        assertFalse(ch.config().isAutoRead(), "two waiting: the bound");
        blocking.runOne();
        ch.runPendingTasks();
        // The 404, then both /health answers: a synchronous answer runs the next one at once.
        assertEquals(404, ((FullHttpResponse) ch.readOutbound()).status().code());
        assertTrue(bodyOf(ch.readOutbound()).contains("ok"));
        assertTrue(bodyOf(ch.readOutbound()).contains("ok"));
        assertTrue(ch.config().isAutoRead());
        ch.finishAndReleaseAll();
    }

    @Test
    void shouldNeverCutAnExchangeInFlightForTimeoutsButCloseWhenIdle() {
        EmbeddedChannel ch = channel(ConnectionLimits.DEFAULTS);
        ch.writeInbound(sessionsRequest(1));
        ch.pipeline().fireUserEventTriggered(new ReadDeadlines.Expired("request body"));
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertTrue(ch.isActive(), "a request in flight is not cut by timeouts");
        assertNull(ch.readOutbound());
        blocking.runOne();
        ch.runPendingTasks();
        assertEquals(404, ((FullHttpResponse) ch.readOutbound()).status().code());

        ch.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertFalse(ch.isActive(), "idle between requests: closed");
        ch.finishAndReleaseAll();
    }

    @Test
    void shouldAnswer408WhenARequestArrivesTooSlowly() {
        EmbeddedChannel ch = channel(ConnectionLimits.DEFAULTS);
        ch.pipeline().fireUserEventTriggered(new ReadDeadlines.Expired("request headers"));
        FullHttpResponse r = ch.readOutbound();
        assertEquals(408, r.status().code());
        assertTrue(bodyOf(r).contains("request_timeout"));
        ch.runPendingTasks();
        assertFalse(ch.isActive());
        ch.finishAndReleaseAll();
    }

    /** A generation handle the test completes by hand. */
    static final class TestHandle implements GenerationHandle {
        final CompletableFuture<GenerationResult> completion = new CompletableFuture<>();
        int cancels;

        @Override
        public String id() {
            return "test";
        }

        @Override
        public void cancel() {
            cancels++;
        }

        @Override
        public CompletableFuture<GenerationResult> completion() {
            return completion;
        }
    }

    /** An SSE stream attached to the router's current exchange, as the pipeline's submit stage does it. */
    SseStream stream(EmbeddedChannel ch, TestHandle handle) {
        ch.writeInbound(sessionsRequest(1));
        HttpExchange ex = router(ch).current();
        SseStream sse = new SseStream(ex, ResponseFormats.chat("chatcmpl-t", 1, "m", "fp", (SessionUsage) null),
                false, EmptyHttpHeaders.INSTANCE, "m", new ServerMetrics());
        sse.attach(handle);
        ex.attach(handle::cancel, sse);
        ch.runPendingTasks();
        return sse;
    }

    static String drainText(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            if (o instanceof HttpContent c) {
                sb.append(c.content().toString(StandardCharsets.UTF_8));
            }
            if (o instanceof HttpResponse r) {
                sb.append("HEAD ").append(r.status().code()).append('\n');
            }
            io.netty.util.ReferenceCountUtil.release(o);
        }
        return sb.toString();
    }

    @Test
    void shouldHoldTextWhileTheClientIsSlowAndResumeWhenItIsWritableAgain() {
        EmbeddedChannel ch = channel(ConnectionLimits.DEFAULTS);
        TestHandle handle = new TestHandle();
        SseStream sse = stream(ch, handle);
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        sse.drain();
        assertTrue(drainText(ch).startsWith("HEAD 200"), "the head goes out before any text");
        sse.onText("hello ");
        sse.onText("world");
        ch.runPendingTasks();
        assertEquals("", drainText(ch), "not writable: the text waits");

        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true); // fires channelWritabilityChanged
        ch.runPendingTasks();
        String out = drainText(ch);
        assertTrue(out.contains("hello world"), out);

        sse.onComplete(new GenerationResult("test", FinishReason.STOP, new Usage(3, 0, 2, 0, 0, 0, 0), null));
        ch.runPendingTasks();
        assertTrue(drainText(ch).contains("data: [DONE]"));
        assertNull(router(ch).current(), "the exchange ended with the stream");
        assertEquals(0, handle.cancels);
        ch.finishAndReleaseAll();
    }

    @Test
    void shouldCancelAClientThatFallsTooFarBehind() {
        EmbeddedChannel ch = channel(ConnectionLimits.DEFAULTS);
        TestHandle handle = new TestHandle();
        SseStream sse = stream(ch, handle);
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        String piece = "x".repeat(1024);
        for (int i = 0; i < SseStream.MAX_PENDING_CHARS / piece.length(); i++) {
            sse.onText(piece);
        }
        assertEquals(0, handle.cancels, "at the bound: still served");
        sse.onText(piece);
        assertTrue(handle.cancels > 0, "past the bound: cancelled, the engine never waits for a client");
        ch.finishAndReleaseAll();
    }

    @Test
    void shouldCancelTheGenerationWhenTheConnectionCloses() {
        EmbeddedChannel ch = channel(ConnectionLimits.DEFAULTS);
        TestHandle handle = new TestHandle();
        stream(ch, handle);
        RequestRouter router = router(ch);
        ch.close();
        assertEquals(1, handle.cancels);
        assertNull(router.current(), "the connection holds nothing of the cancelled exchange");

        TestHandle late = new TestHandle(); // submitted after the client left: cancelled on attach
        HttpExchange closed = new HttpExchange(ch, new HttpExchange.Owner() {
            @Override
            public void ended(HttpExchange exchange, int status) {}

            @Override
            public void error(HttpExchange exchange, io.edgenode.server.openai.ApiError error) {}
        }, true, EmptyHttpHeaders.INSTANCE, "chat_completions", 0, null, "req_test");
        closed.cancel();
        closed.attach(late::cancel, null);
        assertEquals(1, late.cancels);
        ch.finishAndReleaseAll();
    }
}
