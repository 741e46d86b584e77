package io.edgenode.server.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The error object as OpenAI sends it, and the statuses and types of our factories. */
class ApiErrorTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode error(ApiError e) throws Exception {
        JsonNode root = JSON.readTree(e.toJson());
        assertEquals(List.of("error"), fieldNames(root));
        return root.get("error");
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void shouldWriteOpenAisErrorObjectWithNullsAsJsonNull() throws Exception {
        ApiError e = ApiError.invalidRequest(null, "bad \"thing\"\nhere");
        assertEquals("{\"error\":{\"message\":\"bad \\\"thing\\\"\\nhere\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":null}}", new String(e.toJson(), StandardCharsets.UTF_8));
        JsonNode err = error(ApiError.invalidRequest("messages[0].role", "invalid_value", "Invalid value: 'x'."));
        assertEquals(List.of("message", "type", "param", "code"), fieldNames(err));
        assertEquals("messages[0].role", err.get("param").textValue());
        assertEquals("invalid_value", err.get("code").textValue());
    }

    record Expect(ApiError error, int status, String type, String code, String param, String message) {}

    @Test
    void shouldGiveEachFactoryItsStatusTypeAndCode() throws Exception {
        List<Expect> table = List.of(
                new Expect(ApiError.invalidRequest("temperature", "m"), 400, "invalid_request_error", null,
                        "temperature", "m"),
                new Expect(ApiError.invalidJson("the body is empty"), 400, "invalid_request_error", null, null,
                        "We could not parse the JSON body of your request: the body is empty. "
                                + "The API expects a JSON object in UTF-8."),
                new Expect(ApiError.modelNotFound("gpt-x"), 404, "invalid_request_error", "model_not_found", null,
                        "The model `gpt-x` does not exist or you do not have access to it."),
                new Expect(ApiError.contextLengthExceeded("too long"), 400, "invalid_request_error",
                        "context_length_exceeded", "messages", "too long"),
                new Expect(ApiError.contextLengthExceeded("prompt", "too long"), 400, "invalid_request_error",
                        "context_length_exceeded", "prompt", "too long"),
                new Expect(ApiError.overloaded("busy"), 429, "requests", "rate_limit_exceeded", null, "busy"),
                new Expect(ApiError.notReady(), 503, "unavailable_error", null, null, "Loading model"),
                new Expect(ApiError.bodyTooLarge(1024), 413, "invalid_request_error", "request_too_large", null,
                        "Request body too large: the limit is 1024 bytes."),
                new Expect(ApiError.notFound("POST", "/v1/chat/completion"), 404, "invalid_request_error", null, null,
                        "Invalid URL (POST /v1/chat/completion)"),
                new Expect(ApiError.notFound("/v2"), 404, "invalid_request_error", null, null, "Invalid URL (/v2)"),
                new Expect(ApiError.methodNotAllowed("GET", "/v1/chat/completions"), 405, "invalid_request_error",
                        null, null, "Invalid method for URL (GET /v1/chat/completions)"),
                new Expect(ApiError.serverError("decode failed"), 500, "server_error", null, null, "decode failed"),
                new Expect(ApiError.promptBlocked("deny[2]"), 400, "invalid_request_error", "prompt_blocked", null,
                        "The prompt was blocked by the gateway's guardrail rule deny[2]."),
                new Expect(ApiError.responseBlocked("deny[0]"), 400, "invalid_request_error",
                        "response_blocked", null,
                        "The response was blocked by the gateway's guardrail rule deny[0]."));
        for (Expect x : table) {
            ApiError e = x.error();
            assertEquals(x.status(), e.status(), e.toString());
            assertEquals(x.type(), e.type(), e.toString());
            assertEquals(x.code(), e.code(), e.toString());
            assertEquals(x.param(), e.param(), e.toString());
            assertEquals(x.message(), e.message(), e.toString());
            JsonNode err = error(e);
            assertEquals(x.message(), err.get("message").textValue());
            assertEquals(x.type(), err.get("type").textValue());
            assertEquals(x.code(), err.get("code").isNull() ? null : err.get("code").textValue());
            assertEquals(x.param(), err.get("param").isNull() ? null : err.get("param").textValue());
        }
    }

    @Test
    void shouldRefuseNonErrorStatuses() {
        assertThrows(IllegalArgumentException.class, () -> new ApiError(200, "x", null, null, "m"));
        assertThrows(NullPointerException.class, () -> new ApiError(400, null, null, null, "m"));
    }

    @Test
    void shouldCarryTheErrorWithoutAStackTrace() {
        ApiError e = ApiError.serverError("boom");
        ApiException x = new ApiException(e);
        assertSame(e, x.error());
        assertEquals("boom", x.getMessage());
        assertEquals(0, x.getStackTrace().length);
        assertTrue(x instanceof RuntimeException);
    }
}
