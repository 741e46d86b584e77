package io.edgenode.server.http;

import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.OpenAiJson;
import io.edgenode.server.workflow.WorkflowView;
import io.edgenode.server.workflow.Workflows;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.Executor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durable workflows (our extension, Workflows-like): {@code POST /v1/workflows} (a definition, or
 * a stored definition's {@code name}, with {@code params} and an optional {@code session_id}),
 * {@code GET /v1/workflows/{id}} (status and every step's result and error),
 * {@code POST /v1/workflows/{id}/events/{name}} (the body is the event's payload) and
 * {@code POST /v1/workflows/{id}/cancel}. Store I/O on the request's virtual thread. Thread-safe
 * (stateless).
 */
final class WorkflowsEndpoint {
    private static final Pattern ONE = Pattern.compile("^/v1/workflows/([^/]+)(/cancel|/events/([^/]+))?$");

    private final Workflows workflows; // null: the node runs no workflows
    private final Executor blocking;

    WorkflowsEndpoint(Workflows workflows, Executor blocking) {
        this.workflows = workflows;
        this.blocking = blocking;
    }

    /** The key that created {@code w}, an admin key, or anyone on a keyless node. */
    private static boolean mayUse(io.edgenode.server.gateway.Principal p, WorkflowView w) {
        return p.keyless() || java.util.Objects.equals(p.keyId(), w.keyId())
                || p.scopes().allows(io.edgenode.server.gateway.EndpointGroup.ADMIN);
    }

    static boolean handles(String path) {
        return path.equals("/v1/workflows") || path.startsWith("/v1/workflows/");
    }

    void handle(HttpMethod method, String path, byte[] body, HttpExchange ex) {
        Offload.run(blocking, ex, () -> {
            if (workflows == null) {
                throw new ApiException(ApiError.notFound(method.name(), path));
            }
            WorkflowView view = route(method, path, body, ex);
            ex.respond(HttpResponses.full(HttpResponseStatus.OK, HttpResponses.JSON, view.toJson()), 200);
        });
    }

    private WorkflowView route(HttpMethod method, String path, byte[] body, HttpExchange ex) {
        if (path.equals("/v1/workflows")) {
            if (!method.equals(HttpMethod.POST)) {
                throw new ApiException(ApiError.methodNotAllowed(method.name(), path));
            }
            return workflows.create(OpenAiJson.readObject(body), ex.principal().keyless() ? null : ex.principal().keyId());
        }
        Matcher m = ONE.matcher(path);
        if (!m.matches()) {
            throw new ApiException(ApiError.notFound(method.name(), path));
        }
        String id = m.group(1);
        // Another key's workflow is not found: its id says nothing about it, nor lets anyone drive it.
        WorkflowView view = workflows.get(id).filter(w -> mayUse(ex.principal(), w)).orElseThrow(
                () -> new ApiException(new ApiError(404, ApiError.INVALID_REQUEST, "workflow_not_found", null,
                        "No workflow " + id + ".")));
        if (m.group(2) == null) {
            if (!method.equals(HttpMethod.GET)) {
                throw new ApiException(ApiError.methodNotAllowed(method.name(), path));
            }
            return view;
        }
        if (!method.equals(HttpMethod.POST)) {
            throw new ApiException(ApiError.methodNotAllowed(method.name(), path));
        }
        if (m.group(2).equals("/cancel")) {
            return workflows.cancel(id);
        }
        // The payload: a JSON object, or nothing (an empty body).
        var payload = new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank() ? null
                : OpenAiJson.readObject(body);
        return workflows.deliver(id, m.group(3), payload);
    }
}
