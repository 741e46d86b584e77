package io.edgenode.server.http;

import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Runs an endpoint's work off the event loop (on the node's request executor) so that whatever it
 * throws becomes the exchange's answer: an {@link ApiException} its error, anything else (a bug,
 * an {@link Error} such as a full heap) a logged 500, and an executor that refuses the work (the
 * node stopping) a 503. No request is left without an answer and the node stays up. Stateless.
 */
final class Offload {
    private static final System.Logger LOG = System.getLogger(Offload.class.getName());

    private Offload() {}

    /** {@code work} answers the exchange itself (a generation's sink, an SSE stream) unless it throws. */
    static void run(Executor blocking, HttpExchange ex, Runnable work) {
        try {
            blocking.execute(() -> guarded(ex, work));
        } catch (RuntimeException e) {
            ex.fail(ApiError.notReady());
        }
    }

    /** {@code work} returns the body of a 200 JSON answer. */
    static void respond(Executor blocking, HttpExchange ex, Supplier<byte[]> work) {
        run(blocking, ex, () -> ex.respond(HttpResponses.full(HttpResponseStatus.OK, HttpResponses.JSON, work.get()),
                200));
    }

    private static void guarded(HttpExchange ex, Runnable work) {
        try {
            work.run();
        } catch (ApiException e) {
            ex.fail(e.error());
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "request on " + ex.endpoint() + " failed", e);
            ex.fail(ApiError.serverError("internal error: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage())));
        }
    }
}
