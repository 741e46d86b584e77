package io.edgenode.server.http;

import io.edgenode.core.engine.GenerationResult;
import io.edgenode.core.engine.TokenLogprobs;
import io.edgenode.server.openai.ApiError;

/**
 * One generation's output to two sinks, first then second, on the caller's thread: a session
 * turn's whole (non-streamed) response and its live log; a WebSocket turn's log and the end of its
 * exchange. Stateless beyond its two sinks.
 */
final class TeeSink implements ResponseSink {
    private final ResponseSink first;
    private final ResponseSink second;

    TeeSink(ResponseSink first, ResponseSink second) {
        this.first = first;
        this.second = second;
    }

    @Override
    public void onToken(int token) {
        first.onToken(token);
        second.onToken(token);
    }

    @Override
    public void onLogprobs(TokenLogprobs logprobs) {
        first.onLogprobs(logprobs);
        second.onLogprobs(logprobs);
    }

    @Override
    public void onText(String delta) {
        first.onText(delta);
        second.onText(delta);
    }

    @Override
    public void onComplete(GenerationResult result) {
        try {
            first.onComplete(result);
        } finally {
            second.onComplete(result);
        }
    }

    @Override
    public void fail(ApiError error) {
        try {
            first.fail(error);
        } finally {
            second.fail(error);
        }
    }
}
