package io.edgenode.server.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * One error as the API returns it: an HTTP status and OpenAI's error object,
 * {@code {"error":{"message":...,"type":...,"param":...,"code":...}}}. Immutable.
 *
 * <p>The server sends it as the response body before headers are sent, and as an in-band SSE
 * event after ({@link OpenAiEncoder#sseError}). {@code type} is OpenAI's error type
 * ({@code invalid_request_error}, {@code server_error}, ...); {@code code} and {@code param} are
 * {@code null} where OpenAI sends {@code null}.
 *
 * @param param the offending request field as OpenAI writes it ({@code messages[0].content}), or null
 * @param code  OpenAI's machine-readable code ({@code model_not_found}, {@code invalid_type}, ...), or null
 */
public record ApiError(int status, String type, String code, String param, String message) {
    public static final String INVALID_REQUEST = "invalid_request_error";
    public static final String SERVER_ERROR = "server_error";
    public static final String UNAVAILABLE = "unavailable_error";
    /** OpenAI's type on a 429 "Rate limit reached for requests". */
    public static final String RATE_LIMIT_REQUESTS = "requests";

    public ApiError {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(message, "message");
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("not an error status: " + status);
        }
    }

    /** 400 {@code invalid_request_error} about {@code param} (null for the request as a whole). */
    public static ApiError invalidRequest(String param, String message) {
        return new ApiError(400, INVALID_REQUEST, null, param, message);
    }

    /** 400 {@code invalid_request_error} with OpenAI's code ({@code invalid_type}, {@code empty_array}, ...). */
    public static ApiError invalidRequest(String param, String code, String message) {
        return new ApiError(400, INVALID_REQUEST, code, param, message);
    }

    /**
     * 401, OpenAI's shape: {@code code} {@code invalid_api_key} for a wrong or revoked key, null
     * when none was sent.
     */
    public static ApiError unauthorized(String code, String message) {
        return new ApiError(401, INVALID_REQUEST, code, null, message);
    }

    /** 403: the key is valid but may not do this (a model, an endpoint group, a session). */
    public static ApiError forbidden(String message) {
        return new ApiError(403, "permission_error", "insufficient_permissions", null, message);
    }

    /** 400: the body is not one JSON object in UTF-8; {@code detail} says what and where. */
    public static ApiError invalidJson(String detail) {
        return new ApiError(400, INVALID_REQUEST, null, null,
                "We could not parse the JSON body of your request: " + detail
                        + ". The API expects a JSON object in UTF-8.");
    }

    /** 404, as OpenAI words it; {@code param} is null there too. */
    public static ApiError modelNotFound(String model) {
        return new ApiError(404, INVALID_REQUEST, "model_not_found", null,
                "The model `" + model + "` does not exist or you do not have access to it.");
    }

    /** 400 {@code context_length_exceeded} about the chat {@code messages}. */
    public static ApiError contextLengthExceeded(String message) {
        return contextLengthExceeded("messages", message);
    }

    /** 400 {@code context_length_exceeded}; {@code param} is {@code prompt} for text completions. */
    public static ApiError contextLengthExceeded(String param, String message) {
        return new ApiError(400, INVALID_REQUEST, "context_length_exceeded", param, message);
    }

    /**
     * 429: the node's queue is full. llama-server answers 503 {@code unavailable_error}; we answer
     * 429 with the type and code OpenAI sends for "Rate limit reached for requests"
     * ({@code requests}, {@code rate_limit_exceeded}), and the server adds {@code Retry-After}.
     * Why 429: it says "healthy but busy, back off and retry", which OpenAI SDKs do (honouring
     * {@code Retry-After}); load balancers and gateways read a 503 as "this backend is down" and
     * may eject a node that is merely full.
     */
    public static ApiError overloaded(String message) {
        return new ApiError(429, RATE_LIMIT_REQUESTS, "rate_limit_exceeded", null, message);
    }

    /**
     * 429 {@code rate_limit_exceeded}: a key's requests- or tokens-per-minute limit is reached (or a
     * request is too large to ever fit it); the server adds {@code Retry-After} and the
     * {@code x-ratelimit-*} headers.
     */
    public static ApiError rateLimited(String message) {
        return new ApiError(429, "rate_limit_exceeded", "rate_limit_exceeded", null, message);
    }

    /**
     * 429 {@code insufficient_quota}, as OpenAI answers a spent budget: retrying will not help until
     * the period rolls over, so no {@code Retry-After}. The message must name no other user's figures.
     */
    public static ApiError insufficientQuota(String message) {
        return new ApiError(429, "insufficient_quota", "insufficient_quota", null, message);
    }

    /** 503 {@code unavailable_error}, llama-server's answer while the model loads. */
    public static ApiError notReady() {
        return new ApiError(503, UNAVAILABLE, null, null, "Loading model");
    }

    /**
     * 503 {@code unavailable_error} with a reason: the model failed to load, does not fit the
     * memory budget (the message gives the numbers), or did not finish loading in time.
     */
    public static ApiError unavailable(String message) {
        return new ApiError(503, UNAVAILABLE, "model_unavailable", null, message);
    }

    /** 409 for an admin action the model's state does not allow now (unloading a busy model). */
    public static ApiError conflict(String message) {
        return new ApiError(409, INVALID_REQUEST, "conflict", null, message);
    }

    /** 413: the body is over the server's limit. */
    public static ApiError bodyTooLarge(long limitBytes) {
        return new ApiError(413, INVALID_REQUEST, "request_too_large", null,
                "Request body too large: the limit is " + limitBytes + " bytes.");
    }

    /** 404 for an unknown path, OpenAI's wording without the method. */
    public static ApiError notFound(String path) {
        return new ApiError(404, INVALID_REQUEST, null, null, "Invalid URL (" + path + ")");
    }

    /** 404 for an unknown path, as OpenAI words it: {@code Invalid URL (POST /v1/foo)}. */
    public static ApiError notFound(String method, String path) {
        return notFound(method + " " + path);
    }

    /** 405: a known path with a method it does not serve. */
    public static ApiError methodNotAllowed(String method, String path) {
        return new ApiError(405, INVALID_REQUEST, null, null,
                "Invalid method for URL (" + method + " " + path + ")");
    }

    /**
     * 499 (nginx's "client closed request"): the client left before its request was served.
     * Never written to the client; recorded in the metrics.
     */
    public static ApiError clientClosed() {
        return new ApiError(499, INVALID_REQUEST, "client_closed", null, "The client closed the connection.");
    }

    /**
     * 499 {@code turn_cancelled}: a session turn was cancelled (by a live client, or because nobody
     * watched it past the disconnect grace); nothing of it was stored.
     */
    public static ApiError turnCancelled() {
        return new ApiError(499, INVALID_REQUEST, "turn_cancelled", null,
                "The turn was cancelled before it finished; nothing was stored.");
    }

    /** 408: the client did not send its whole request in time (the connection is closed after). */
    public static ApiError requestTimeout(String what) {
        return new ApiError(408, INVALID_REQUEST, "request_timeout", null,
                "Request timeout: the " + what + " did not arrive in time.");
    }

    /** 500 {@code server_error}; {@code message} must not leak internals (no stack, no class names). */
    public static ApiError serverError(String message) {
        return new ApiError(500, SERVER_ERROR, null, null, message);
    }

    /**
     * 400 {@code prompt_blocked}: a gateway guardrail refused the prompt; {@code ruleId} names the
     * rule ({@code deny[2]}, {@code max_prompt_chars}), never the pattern (operators keep those).
     */
    public static ApiError promptBlocked(String ruleId) {
        return new ApiError(400, INVALID_REQUEST, "prompt_blocked", null,
                "The prompt was blocked by the gateway's guardrail rule " + ruleId + ".");
    }

    /**
     * 400 {@code response_blocked}: a gateway guardrail ended the reply. The status applies
     * before any header is sent (a buffered reply); in a stream it is an in-band error event.
     */
    public static ApiError responseBlocked(String ruleId) {
        return new ApiError(400, INVALID_REQUEST, "response_blocked", null,
                "The response was blocked by the gateway's guardrail rule " + ruleId + ".");
    }

    /** {@code {"error":{"message":...,"type":...,"param":...,"code":...}}} in UTF-8. */
    public byte[] toJson() {
        ByteArrayBuilder out = new ByteArrayBuilder(128 + message.length());
        try (JsonGenerator g = OpenAiJson.factory().createGenerator(out)) {
            g.writeStartObject();
            writeErrorField(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory; cannot happen
        }
        return out.toByteArray();
    }

    void writeErrorField(JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("error");
        g.writeStringField("message", message);
        g.writeStringField("type", type);
        g.writeStringField("param", param); // writes null for null
        g.writeStringField("code", code);
        g.writeEndObject();
    }
}
