package io.edgenode.server.http;

import io.edgenode.server.openai.ApiError;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** Builds and writes whole (non-streaming) responses. Call on the channel's event loop. */
final class HttpResponses {
    static final String JSON = "application/json";

    private HttpResponses() {}

    static FullHttpResponse full(HttpResponseStatus status, String contentType, byte[] body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    /** {@code values} as Netty headers, in their order. */
    static HttpHeaders headers(java.util.Map<String, String> values) {
        HttpHeaders h = new io.netty.handler.codec.http.DefaultHttpHeaders();
        values.forEach(h::set);
        return h;
    }

    static FullHttpResponse error(ApiError error) {
        FullHttpResponse r = full(HttpResponseStatus.valueOf(error.status()), JSON, error.toJson());
        if (error.status() == 429 || error.status() == 503) {
            r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        return r;
    }

    /**
     * Writes {@code response} with the exchange's common headers (CORS, request id, rate limits:
     * they replace a default of the same name, such as an error's {@code Retry-After}); closes
     * unless keep-alive.
     */
    static ChannelFuture write(Channel channel, FullHttpResponse response, boolean keepAlive, HttpHeaders cors) {
        response.headers().setAll(cors);
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            return channel.writeAndFlush(response);
        }
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * The head of a server-sent-events response of {@code ex}: 200, chunked, no caching, the
     * exchange's common headers and {@code extra}.
     */
    static io.netty.handler.codec.http.HttpResponse sseHead(HttpExchange ex, HttpHeaders extra) {
        var head = new io.netty.handler.codec.http.DefaultHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        head.headers().set(HttpHeaderNames.CONNECTION, ex.keepAlive() ? HttpHeaderValues.KEEP_ALIVE
                : HttpHeaderValues.CLOSE);
        head.headers().add(ex.headers());
        head.headers().add(extra);
        return head;
    }
}
