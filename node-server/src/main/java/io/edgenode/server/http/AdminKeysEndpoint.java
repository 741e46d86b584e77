package io.edgenode.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.server.gateway.ApiKey;
import io.edgenode.server.gateway.ApiKeyJson;
import io.edgenode.server.gateway.KeyRequest;
import io.edgenode.server.gateway.KeyRing;
import io.edgenode.server.gateway.KeyStore;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.OpenAiJson;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The key admin API: {@code GET|POST /admin/keys}, {@code GET|DELETE /admin/keys/{id}} and
 * {@code POST /admin/keys/{id}/rotate}. Every call runs on the blocking executor (SQLite I/O never
 * touches the event loop); writes go through the {@link KeyRing} so its snapshot reloads at once.
 * Thread-safe (stateless; the ring is). Who may call it (an admin key) is the router's concern.
 */
final class AdminKeysEndpoint {
    static final String PREFIX = "/admin/keys";

    /** A whole answer: its status and JSON body. */
    record Answer(int status, byte[] body) {}

    private final KeyRing keys;
    private final Executor blocking;

    AdminKeysEndpoint(KeyRing keys, Executor blocking) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
    }

    /** Whether {@code path} belongs to this API. */
    static boolean handles(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    void handle(HttpMethod method, String path, byte[] body, HttpExchange ex) {
        Offload.run(blocking, ex, () -> {
            Answer a = answer(method, path, body);
            ex.respond(HttpResponses.full(HttpResponseStatus.valueOf(a.status()), HttpResponses.JSON, a.body()),
                    a.status());
        });
    }

    /** The answer to one request (any thread but the event loop: it reads the database); errors throw {@link ApiException}. */
    Answer answer(HttpMethod method, String path, byte[] body) {
        if (path.equals(PREFIX)) {
            if (method.equals(HttpMethod.GET)) {
                ArrayNode data = JsonNodeFactory.instance.arrayNode();
                keys.store().list().forEach(k -> data.add(ApiKeyJson.keyObject(k)));
                ObjectNode list = JsonNodeFactory.instance.objectNode();
                list.put("object", "list");
                list.set("data", data);
                return ok(200, list);
            }
            if (method.equals(HttpMethod.POST)) {
                KeyRequest r;
                try {
                    r = KeyRequest.fromJson(OpenAiJson.readObject(body));
                } catch (KeyRequest.InvalidField e) {
                    throw new ApiException(ApiError.invalidRequest(e.param(), e.getMessage()));
                }
                KeyStore.Created c = keys.create(r.name(), r.scopes(), r.limits());
                return ok(201, ApiKeyJson.withSecret(c.key(), c.secret()));
            }
            throw new ApiException(ApiError.methodNotAllowed(method.name(), path));
        }
        String rest = path.substring(PREFIX.length() + 1);
        int slash = rest.indexOf('/');
        String id = slash < 0 ? rest : rest.substring(0, slash);
        String action = slash < 0 ? null : rest.substring(slash + 1);
        if (id.isEmpty() || (action != null && !action.equals("rotate"))) {
            throw new ApiException(ApiError.notFound(method.name(), path));
        }
        if (action != null) {
            if (!method.equals(HttpMethod.POST)) {
                throw new ApiException(ApiError.methodNotAllowed(method.name(), path));
            }
            String secret = keys.rotate(id).orElseThrow(() -> new ApiException(keys.store().find(id).isPresent()
                    ? ApiError.conflict("API key '" + id + "' is revoked and cannot be rotated")
                    : noSuchKey(id)));
            return ok(200, ApiKeyJson.withSecret(find(id), secret));
        }
        if (method.equals(HttpMethod.GET)) {
            return ok(200, ApiKeyJson.keyObject(find(id)));
        }
        if (method.equals(HttpMethod.DELETE)) {
            if (!keys.revoke(id)) {
                throw new ApiException(noSuchKey(id));
            }
            ObjectNode n = JsonNodeFactory.instance.objectNode();
            n.put("id", id);
            n.put("object", "api_key");
            n.put("revoked", true);
            return ok(200, n);
        }
        throw new ApiException(ApiError.methodNotAllowed(method.name(), path));
    }

    private ApiKey find(String id) {
        return keys.store().find(id).orElseThrow(() -> new ApiException(noSuchKey(id)));
    }

    private static ApiError noSuchKey(String id) {
        return new ApiError(404, ApiError.INVALID_REQUEST, "key_not_found", "id", "No API key with id '" + id + "'");
    }

    private static Answer ok(int status, ObjectNode n) {
        return new Answer(status, n.toString().getBytes(StandardCharsets.UTF_8));
    }
}
