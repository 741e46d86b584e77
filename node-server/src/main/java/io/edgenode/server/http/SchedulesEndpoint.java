package io.edgenode.server.http;

import io.edgenode.server.gateway.EndpointGroup;
import io.edgenode.server.jobs.Jobs;
import io.edgenode.server.jobs.Schedule;
import io.edgenode.server.jobs.ScheduleRequest;
import io.edgenode.server.jobs.ScheduleStoreException;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.ScheduleJson;
import io.edgenode.server.session.SessionErrors;
import io.edgenode.server.session.SessionService;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;

/**
 * A session's schedules (our extension): {@code POST /v1/sessions/{id}/schedules} (one of
 * {@code at}, {@code delay_seconds}, {@code every_seconds}, {@code cron} + {@code timezone}; an
 * {@code action}: a {@code turn} or a {@code webhook}), {@code GET} the list,
 * {@code GET .../schedules/{sid}} (with its recent runs) and {@code DELETE .../schedules/{sid}}.
 * Called by {@link SessionsEndpoint} on the request's virtual thread, after the key's session
 * scope was checked. A schedule acts for the key that created it. Thread-safe (stateless).
 */
final class SchedulesEndpoint {
    static final int RUNS_SHOWN = 20;

    private final Jobs jobs;
    private final SessionService sessions;

    SchedulesEndpoint(Jobs jobs, SessionService sessions) {
        this.jobs = jobs;
        this.sessions = sessions;
    }

    /** {@code sub}: what follows {@code /schedules} in the path ({@code ""} or {@code /<schedule id>}). */
    byte[] handle(HttpMethod method, String sessionId, String sub, byte[] body, HttpExchange ex) {
        String path = "/v1/sessions/" + sessionId + "/schedules" + sub;
        try {
            if (sub.isEmpty()) {
                if (method.equals(HttpMethod.POST)) {
                    return create(sessionId, body, ex);
                }
                if (method.equals(HttpMethod.GET)) {
                    requireSession(sessionId);
                    return ScheduleJson.list(jobs.list(sessionId));
                }
                throw new ApiException(ApiError.methodNotAllowed(method.name(), path));
            }
            String id = sub.substring(1);
            if (id.isEmpty() || id.contains("/")) {
                throw new ApiException(ApiError.notFound(method.name(), path));
            }
            if (method.equals(HttpMethod.GET)) {
                Schedule s = jobs.get(sessionId, id).orElseThrow(() -> notFound(id));
                return ScheduleJson.schedule(s, jobs.runs(id, RUNS_SHOWN));
            }
            if (method.equals(HttpMethod.DELETE)) {
                if (!jobs.delete(sessionId, id)) {
                    throw notFound(id);
                }
                return ScheduleJson.deleted(id);
            }
            throw new ApiException(ApiError.methodNotAllowed(method.name(), path));
        } catch (ScheduleStoreException e) {
            throw new ApiException(switch (e.kind()) {
                case NOT_FOUND -> notFound(null).error();
                case CONFLICT -> new ApiError(409, ApiError.INVALID_REQUEST, "schedule_exists", "id", e.getMessage());
                case UNAVAILABLE -> new ApiError(503, ApiError.UNAVAILABLE, "schedule_store_unavailable", null,
                        "Schedules are unavailable right now: " + e.getMessage());
            });
        }
    }

    private byte[] create(String sessionId, byte[] body, HttpExchange ex) throws ScheduleStoreException {
        long now = System.currentTimeMillis();
        ScheduleRequest req = ScheduleRequest.parse(body, jobs.rules(), now); // a bad request stores nothing
        boolean turn = io.edgenode.server.openai.OpenAiJson.readObject(req.actionJson().getBytes(
                java.nio.charset.StandardCharsets.UTF_8)).path("type").asText().equals("turn");
        if (turn && !ex.principal().scopes().allows(EndpointGroup.INFERENCE)) {
            throw new ApiException(ApiError.forbidden("This API key may not run inference, so it may not schedule"
                    + " turns."));
        }
        requireSession(sessionId);
        Schedule s = jobs.create(req, sessionId, ex.principal().keyless() ? null : ex.principal().keyId(), now);
        return ScheduleJson.schedule(s, List.of());
    }

    private void requireSession(String sessionId) {
        var store = SessionErrors.call(sessions::store);
        if (SessionErrors.call(() -> store.get(sessionId)).isEmpty()) {
            throw new ApiException(SessionErrors.notFound(sessionId));
        }
    }

    private static ApiException notFound(String id) {
        return new ApiException(new ApiError(404, ApiError.INVALID_REQUEST, "schedule_not_found", null,
                id == null ? "No such schedule." : "No schedule " + id + " on this session."));
    }
}
