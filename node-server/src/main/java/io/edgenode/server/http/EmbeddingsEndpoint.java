package io.edgenode.server.http;

import io.edgenode.core.embed.BatchingEmbedder;
import io.edgenode.core.embed.EmbeddingException;
import io.edgenode.core.embed.EmbeddingInputException;
import io.edgenode.core.embed.EmbeddingOverloadedException;
import io.edgenode.core.embed.EmbeddingResult;
import io.edgenode.server.config.EmbeddingModelSpec;
import io.edgenode.server.node.ModelHost;
import io.edgenode.server.node.ModelRouter;
import io.edgenode.server.node.ModelUnavailableException;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.EmbeddingEncoder;
import io.edgenode.server.openai.EmbeddingRequest;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * {@code POST /v1/embeddings}: parse and validate (400s), resolve the embedding model (404 unknown,
 * 400 a generation model), tokenize, wait for the model's {@link BatchingEmbedder} (its own
 * threads run the ONNX work, batched with other requests), encode, answer. Each request runs on
 * the node's request executor ({@link Offload}), never on the event loop and never on an LLM's
 * decode thread. Thread-safe (stateless).
 */
final class EmbeddingsEndpoint {
    private final ModelHost host;
    private final Executor blocking;
    private final Duration loadWait;

    EmbeddingsEndpoint(ModelHost host, Executor blocking, Duration loadWait) {
        this.host = host;
        this.blocking = blocking;
        this.loadWait = loadWait;
    }

    EmbeddingsEndpoint(ModelHost host, Executor blocking) {
        this(host, blocking, ModelRouter.DEFAULT_LOAD_WAIT);
    }

    void handle(byte[] body, HttpExchange ex) {
        Offload.respond(blocking, ex, () -> run(body));
    }

    private byte[] run(byte[] body) {
        EmbeddingRequest req = EmbeddingRequest.parse(body);
        EmbeddingModelSpec spec = host.embeddingSpec(req.model()).orElseThrow(() -> new ApiException(
                host.spec(req.model()).isPresent()
                        ? ApiError.invalidRequest("model", "model " + req.model()
                                + " is not an embedding model: use /v1/chat/completions or /v1/completions")
                        : ApiError.modelNotFound(req.model())));
        BatchingEmbedder embedder;
        try {
            embedder = host.embedder(spec, loadWait);
        } catch (ModelUnavailableException e) {
            throw new ApiException(ApiError.unavailable(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ApiError.unavailable("interrupted"));
        }
        if (req.dimensions().isPresent() && req.dimensions().getAsInt() != embedder.dimensions()) {
            throw new ApiException(ApiError.invalidRequest("dimensions", "unsupported_value", "Model " + spec.id()
                    + " returns " + embedder.dimensions() + " dimensions and cannot shorten them; 'dimensions' must"
                    + " be " + embedder.dimensions() + " or left out, got " + req.dimensions().getAsInt() + "."));
        }
        EmbeddingResult result;
        try {
            result = req.texts() != null ? embedder.embed(req.texts()) : embedder.embedTokens(req.tokenIds());
        } catch (EmbeddingInputException e) {
            String param = req.size() == 1 && req.texts() != null ? "input" : "input[" + e.index() + "]";
            throw new ApiException(e.reason() == EmbeddingInputException.Reason.TOO_LONG
                    ? ApiError.contextLengthExceeded(param, e.getMessage())
                    : ApiError.invalidRequest(param, "invalid_value", e.getMessage()));
        } catch (EmbeddingOverloadedException e) {
            throw new ApiException(ApiError.overloaded(e.getMessage()));
        } catch (EmbeddingException | IllegalStateException e) {
            throw new ApiException(ApiError.unavailable("embedding model " + spec.id() + ": " + e.getMessage()));
        }
        return EmbeddingEncoder.encode(spec.id(), result, req.base64());
    }
}
