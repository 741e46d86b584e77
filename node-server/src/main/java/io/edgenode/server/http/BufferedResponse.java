package io.edgenode.server.http;

import io.edgenode.core.engine.GenerationResult;
import io.edgenode.core.engine.TokenLogprobs;
import io.edgenode.server.openai.ApiError;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * One non-streamed generation: collects the text on the engine thread and hands the whole
 * response to its exchange when it completes (written on the channel's event loop). A closed
 * connection cancels the generation through the exchange; nothing is registered on the channel.
 */
final class BufferedResponse implements ResponseSink {
    private final HttpExchange exchange;
    private final ResponseFormat format;
    private final HttpHeaders headers;
    private final StringBuilder text = new StringBuilder(); // engine thread until onComplete
    private final List<TokenLogprobs> logprobs = new ArrayList<>(); // engine thread; only when asked for

    /** {@code headers}: the plan's extra response headers (the exchange adds its CORS headers). */
    BufferedResponse(HttpExchange exchange, ResponseFormat format, HttpHeaders headers) {
        this.exchange = exchange;
        this.format = format;
        this.headers = headers;
    }

    @Override
    public void onLogprobs(TokenLogprobs lp) {
        logprobs.add(lp);
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
        FullHttpResponse response = HttpResponses.full(HttpResponseStatus.OK, HttpResponses.JSON,
                format.whole(text.toString(), r.finishReason(), r.usage(), List.copyOf(logprobs)));
        response.headers().add(headers);
        exchange.respond(response, 200);
    }

    @Override
    public void fail(ApiError error) {
        FullHttpResponse response = HttpResponses.error(error);
        response.headers().add(headers);
        exchange.respond(response, error.status());
    }
}
