package io.edgenode.server.http;

import io.edgenode.core.engine.GenerationListener;
import io.edgenode.server.openai.ApiError;

/**
 * Where one generation's output goes (an SSE stream or a buffered response). Besides the engine's
 * callbacks it can end the exchange with an API error instead of the final chunk: a session turn
 * whose reply could not be stored must not be acknowledged.
 */
interface ResponseSink extends GenerationListener {
    /** Ends the response with {@code error} instead of a result (any thread; at most once, instead of onComplete). */
    void fail(ApiError error);
}
