package io.edgenode.server.http;

import io.edgenode.core.engine.GenerationHandle;
import io.edgenode.core.engine.GenerationResult;
import io.edgenode.server.openai.ApiError;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * One non-streamed generation: collects the text on the engine thread and writes the whole
 * response on the channel's event loop when it completes. A closed channel cancels it.
 */
final class BufferedResponse implements ResponseSink {
    private final Channel channel;
    private final ResponseFormat format;
    private final boolean keepAlive;
    private final HttpHeaders cors;
    private final java.util.function.IntConsumer onDone;
    private final StringBuilder text = new StringBuilder(); // engine thread until onComplete

    BufferedResponse(Channel channel, ResponseFormat format, boolean keepAlive, HttpHeaders cors,
            java.util.function.IntConsumer onDone) {
        this.channel = channel;
        this.format = format;
        this.keepAlive = keepAlive;
        this.cors = cors;
        this.onDone = onDone;
    }

    void attach(GenerationHandle h) {
        channel.closeFuture().addListener(f -> h.cancel());
    }

    @Override
    public void onText(String delta) {
        text.append(delta);
    }

    @Override
    public void onComplete(GenerationResult r) {
        if (r.failed()) {
            fail(ApiError.serverError(r.error() == null ? "generation failed" : r.error()));
            return;
        }
        String body = text.toString();
        respond(HttpResponses.full(HttpResponseStatus.OK, HttpResponses.JSON,
                format.whole(body, r.finishReason(), r.usage())), 200);
    }

    @Override
    public void fail(ApiError error) {
        respond(HttpResponses.error(error), error.status());
    }

    private void respond(io.netty.handler.codec.http.FullHttpResponse response, int status) {
        channel.eventLoop().execute(() -> {
            if (channel.isActive()) {
                HttpResponses.write(channel, response, keepAlive, cors);
            }
            onDone.accept(status);
        });
    }
}
