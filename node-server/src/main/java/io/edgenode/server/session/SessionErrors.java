package io.edgenode.server.session;

import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;

/** The session store's failures as OpenAI-shaped API errors (404, 409, 503). Stateless. */
public final class SessionErrors {
    private SessionErrors() {}

    /** A store call whose failures become API errors. */
    public interface StoreCall<T> {
        T run() throws SessionStoreException;
    }

    /** Runs {@code c}; a {@link SessionStoreException} becomes an {@link ApiException}. */
    public static <T> T call(StoreCall<T> c) {
        try {
            return c.run();
        } catch (SessionStoreException e) {
            throw new ApiException(toApiError(e));
        }
    }

    public static ApiError notFound(String sessionId) {
        return new ApiError(404, ApiError.INVALID_REQUEST, "session_not_found", "session_id",
                "No session found with id '" + sessionId + "'.");
    }

    /** 503 with the store's reason: the client may retry; nothing stored was lost. */
    public static ApiError unavailable(SessionStoreException e) {
        return new ApiError(503, ApiError.UNAVAILABLE, "session_store_unavailable", null,
                "The session store is unavailable: " + e.getMessage());
    }

    public static ApiError busy(String sessionId) {
        return new ApiError(409, ApiError.INVALID_REQUEST, "session_busy", "session_id",
                "Session " + sessionId + " is still running an earlier turn.");
    }

    public static ApiError toApiError(SessionStoreException e) {
        return switch (e.kind()) {
            case NOT_FOUND -> new ApiError(404, ApiError.INVALID_REQUEST, "session_not_found", "session_id",
                    e.getMessage());
            case CONFLICT -> new ApiError(409, ApiError.INVALID_REQUEST, "session_exists", "id", e.getMessage());
            case STALE_VERSION -> new ApiError(409, ApiError.INVALID_REQUEST, "state_version_conflict", "version",
                    "The session's state has changed: " + e.getMessage() + ".");
            case UNAVAILABLE -> unavailable(e);
        };
    }
}
