package io.edgenode.server.http;

import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.memory.MemoryService;
import io.edgenode.server.node.ModelHost;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.CreateSessionRequest;
import io.edgenode.server.openai.SessionJson;
import io.edgenode.server.session.NewSession;
import io.edgenode.server.session.Session;
import io.edgenode.server.session.SessionErrors;
import io.edgenode.server.session.SessionService;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The sessions API (our extension): {@code POST /v1/sessions}, {@code GET /v1/sessions}
 * ({@code ?after=ID&limit=N}), {@code GET /v1/sessions/{id}} (with its turns) and
 * {@code DELETE /v1/sessions/{id}} (history, state, KV snapshot and the session's memory namespace
 * {@code session:<id>} in every vector index gone); {@code /v1/sessions/{id}/state} goes to
 * {@link SessionStateEndpoint}. Store I/O runs on a virtual thread. Thread-safe (stateless).
 */
final class SessionsEndpoint {
    private final ModelHost host;
    private final SessionService sessions; // null: the node keeps no sessions
    private final Executor blocking;
    private final MemoryService memory; // null: the node keeps no vector indexes
    private final SessionStateEndpoint state; // null when sessions is null

    private final java.util.function.Consumer<String> onDeleted;
    private final SchedulesEndpoint schedules; // null: the node runs no schedules

    /** Without listeners for state changes. */
    SessionsEndpoint(ModelHost host, SessionService sessions, Executor blocking, MemoryService memory) {
        this(host, sessions, blocking, memory, (id, s) -> { }, id -> { }, null);
    }

    /**
     * {@code onStateChange}: see {@link SessionStateEndpoint}; told of every committed state write.
     * {@code onDeleted}: told of every deleted session (its live clients are disconnected).
     */
    SessionsEndpoint(ModelHost host, SessionService sessions, Executor blocking, MemoryService memory,
            java.util.function.BiConsumer<String, io.edgenode.server.session.SessionState> onStateChange,
            java.util.function.Consumer<String> onDeleted, SchedulesEndpoint schedules) {
        this.onDeleted = onDeleted;
        this.schedules = schedules;
        this.host = host;
        this.sessions = sessions;
        this.blocking = blocking;
        this.memory = memory;
        this.state = sessions == null ? null
                : new SessionStateEndpoint(new io.edgenode.server.session.SessionStates(sessions::store), onStateChange);
    }

    /** {@code path} is {@code /v1/sessions} or below it; {@code uri} carries the query. */
    void handle(HttpMethod method, String path, String uri, byte[] body, HttpExchange ex) {
        Offload.respond(blocking, ex, () -> {
            try {
                if (sessions == null) {
                    throw new ApiException(ApiError.notFound(method.name(), path));
                }
                return route(method, path, uri, body, ex);
            } catch (IllegalArgumentException e) {
                throw new ApiException(ApiError.invalidRequest(null, e.getMessage()));
            }
        });
    }

    private byte[] route(HttpMethod method, String path, String uri, byte[] body, HttpExchange ex) {
        io.edgenode.server.gateway.KeyScopes scopes = ex.principal().scopes();
        String prefix = scopes.sessionPrefix();
        if (path.equals("/v1/sessions")) {
            if (method.equals(HttpMethod.POST)) {
                CreateSessionRequest req = CreateSessionRequest.parse(body);
                if (prefix != null && req.id() == null) {
                    throw new ApiException(ApiError.invalidRequest("id", "This API key's sessions need an `id`"
                            + " starting with `" + prefix + "`."));
                }
                if (req.id() != null && !scopes.allowsSession(req.id())) {
                    throw new ApiException(ApiError.forbidden("This API key may only use sessions whose id starts"
                            + " with `" + prefix + "`."));
                }
                return create(req);
            }
            if (method.equals(HttpMethod.GET)) {
                if (prefix != null) {
                    // The store lists every tenant's sessions; a prefix-scoped key must not see the others' ids.
                    throw new ApiException(ApiError.forbidden("Listing sessions is not available to a key limited"
                            + " to a session prefix."));
                }
                return list(new QueryStringDecoder(uri));
            }
            throw new ApiException(ApiError.methodNotAllowed(method.name(), path));
        }
        String rest = path.substring("/v1/sessions/".length());
        int slash = rest.indexOf('/');
        String id = slash < 0 ? rest : rest.substring(0, slash);
        String sub = slash < 0 ? "" : rest.substring(slash + 1); // state, schedules, schedules/{sid}
        boolean statePath = sub.equals("state");
        boolean schedulesPath = schedules != null && (sub.equals("schedules") || sub.startsWith("schedules/"));
        if (id.isEmpty() || (!sub.isEmpty() && !statePath && !schedulesPath)) {
            throw new ApiException(ApiError.notFound(method.name(), path));
        }
        if (!scopes.allowsSession(id)) {
            throw new ApiException(ApiError.forbidden("This API key may only use sessions whose id starts with `"
                    + prefix + "`."));
        }
        if (statePath) {
            return state.handle(method, id, uri, body, ex);
        }
        if (schedulesPath) {
            return schedules.handle(method, id, sub.substring("schedules".length()), body, ex);
        }
        if (method.equals(HttpMethod.GET)) {
            var store = SessionErrors.call(sessions::store);
            Session s = SessionErrors.call(() -> store.get(id)).orElseThrow(() -> new ApiException(SessionErrors.notFound(id)));
            return SessionJson.session(s, SessionErrors.call(() -> store.turns(id)));
        }
        if (method.equals(HttpMethod.DELETE)) {
            boolean existed;
            try {
                existed = sessions.delete(id);
            } catch (io.edgenode.server.session.SessionStoreException e) {
                throw new ApiException(SessionErrors.toApiError(e));
            } catch (IOException e) {
                // A snapshot left behind is harmless: it restores only into prompts with exactly its tokens.
                throw new ApiException(ApiError.serverError("session deleted, but not its KV snapshot: "
                        + e.getMessage()));
            }
            if (!existed) {
                throw new ApiException(SessionErrors.notFound(id));
            }
            if (memory != null) {
                try {
                    memory.deleteNamespace(MemoryService.sessionNamespace(id));
                } catch (java.io.UncheckedIOException e) {
                    throw new ApiException(ApiError.serverError("session deleted, but not its memory namespace: "
                            + e.getCause().getMessage()));
                }
            }
            onDeleted.accept(id);
            return SessionJson.deleted(id);
        }
        throw new ApiException(ApiError.methodNotAllowed(method.name(), path));
    }

    private byte[] create(CreateSessionRequest req) {
        String name = req.model();
        ModelSpec spec;
        if (name == null) {
            spec = host.specs().stream().filter(ModelSpec::isDefault).findFirst()
                    .orElseGet(() -> host.specs().getFirst());
        } else {
            spec = host.spec(name).orElseThrow(() -> new ApiException(ApiError.modelNotFound(name)));
        }
        long ttlMillis = req.ttlSeconds() != null ? req.ttlSeconds() * 1000
                : sessions.settings().defaultTtl().toMillis();
        var store = SessionErrors.call(sessions::store);
        Session s = SessionErrors.call(() -> store.create(new NewSession(req.id(), spec.id(), req.systemPrompt(),
                req.metadata(), ttlMillis)));
        // The first turn restores and saves KV keyed by the model file's digest: start computing it now.
        if (sessions.kv() != null) {
            sessions.digests().digest(spec.path());
        }
        return SessionJson.session(s, List.of());
    }

    private byte[] list(QueryStringDecoder q) {
        String after = first(q, "after");
        String limitText = first(q, "limit");
        int limit = 20;
        if (limitText != null) {
            try {
                limit = Integer.parseInt(limitText);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 100) {
                throw new ApiException(ApiError.invalidRequest("limit", "limit must be an integer in 1..100, got '"
                        + limitText + "'"));
            }
        }
        int n = limit;
        var store = SessionErrors.call(sessions::store);
        return SessionJson.page(SessionErrors.call(() -> store.list(after, n)));
    }

    private static String first(QueryStringDecoder q, String name) {
        List<String> v = q.parameters().get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }
}
