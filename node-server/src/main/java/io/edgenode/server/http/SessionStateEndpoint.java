package io.edgenode.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.OpenAiJson;
import io.edgenode.server.openai.SessionJson;
import io.edgenode.server.session.SessionErrors;
import io.edgenode.server.session.SessionState;
import io.edgenode.server.session.SessionStates;
import io.edgenode.server.session.SessionStoreException;
import io.edgenode.server.session.StateTooLargeException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * A session's state document (our extension): {@code GET}, {@code PUT} (the whole document) and {@code PATCH} (a
 * JSON merge patch, RFC 7386) on {@code /v1/sessions/{id}/state}, routed here by {@link SessionsEndpoint} once the
 * key's session scope has been checked. Thread-safe (stateless); runs on the request's virtual thread, inside
 * {@link SessionsEndpoint}'s offload, so store I/O never touches the event loop.
 *
 * <p>Every answer carries {@code ETag: "N"} (the version). A write may name the version it was based on, in
 * {@code If-Match: "N"} or {@code ?version=N}; when another write came first it gets 409
 * {@code state_version_conflict} and the ETag of the current version, and nothing is written.
 */
final class SessionStateEndpoint {
    private static final System.Logger LOG = System.getLogger(SessionStateEndpoint.class.getName());

    private final SessionStates states;
    private final BiConsumer<String, SessionState> onChange;

    /**
     * {@code onChange} is told (session id, new state) after every committed PUT or PATCH, on the request's virtual
     * thread, before the response is sent; live clients are notified through it. It must not block for long, and
     * what it throws is logged, not answered: the write stands.
     */
    SessionStateEndpoint(SessionStates states, BiConsumer<String, SessionState> onChange) {
        this.states = Objects.requireNonNull(states, "states");
        this.onChange = Objects.requireNonNull(onChange, "onChange");
    }

    /** The JSON body of the 200 answer; {@code id} is a session the caller may use. */
    byte[] handle(HttpMethod method, String id, String uri, byte[] body, HttpExchange ex) {
        SessionState state;
        if (method.equals(HttpMethod.GET)) {
            state = SessionErrors.call(() -> states.get(id));
        } else if (method.equals(HttpMethod.PUT) || method.equals(HttpMethod.PATCH)) {
            long expected = expectedVersion(ex.requestHeader(HttpHeaderNames.IF_MATCH), new QueryStringDecoder(uri));
            JsonNode doc = OpenAiJson.readObject(body, "state");
            state = write(id, method.equals(HttpMethod.PUT), doc, expected, ex);
            try {
                onChange.accept(id, state);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "state change listener failed for session " + id, e);
            }
        } else {
            throw new ApiException(ApiError.methodNotAllowed(method.name(), "/v1/sessions/" + id + "/state"));
        }
        ex.headers().set(HttpHeaderNames.ETAG, etag(state.version()));
        return SessionJson.state(state);
    }

    private SessionState write(String id, boolean put, JsonNode doc, long expected, HttpExchange ex) {
        // On a stale version the answer carries the current one's ETag: what to send on the retry.
        return change(states, id, put, doc, expected, current -> ex.headers().set(HttpHeaderNames.ETAG, etag(current)));
    }

    /**
     * Puts ({@code put}) or merge-patches the state of session {@code id} (a virtual thread), with
     * every refusal as an {@link ApiException} ({@code stale} is told the current version first
     * when {@code expected} was stale): also what a WebSocket's {@code state.set} and
     * {@code state.patch} do.
     */
    static SessionState change(SessionStates states, String id, boolean put, JsonNode doc, long expected,
            java.util.function.LongConsumer stale) {
        try {
            return put ? states.put(id, doc, expected) : states.patch(id, doc, expected);
        } catch (SessionStoreException e) {
            if (e.kind() == SessionStoreException.Kind.STALE_VERSION) {
                stale.accept(e.currentVersion());
            }
            throw new ApiException(SessionErrors.toApiError(e));
        } catch (StateTooLargeException e) {
            throw new ApiException(ApiError.invalidRequest("state", "state_too_large", e.getMessage() + "."));
        } catch (IllegalArgumentException e) {
            throw new ApiException(ApiError.invalidRequest("state", e.getMessage()));
        }
    }

    private static String etag(long version) {
        return "\"" + version + "\"";
    }

    /**
     * The version a write is conditional on: {@code If-Match: "N"} (quotes optional, {@code *} for any) or
     * {@code ?version=N}; -1 when neither is given. Both given must agree.
     */
    static long expectedVersion(String ifMatch, QueryStringDecoder query) {
        long fromHeader = -1;
        if (ifMatch != null && !ifMatch.isBlank() && !ifMatch.strip().equals("*")) {
            fromHeader = version(unquote(ifMatch.strip()), "If-Match", ifMatch);
        }
        List<String> q = query.parameters().get("version");
        long fromQuery = q == null || q.isEmpty() ? -1 : version(q.getFirst(), "version", q.getFirst());
        if (fromHeader >= 0 && fromQuery >= 0 && fromHeader != fromQuery) {
            throw new ApiException(ApiError.invalidRequest("version", "If-Match (" + fromHeader
                    + ") and ?version= (" + fromQuery + ") name different versions."));
        }
        return fromHeader >= 0 ? fromHeader : fromQuery;
    }

    private static String unquote(String tag) {
        return tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"") ? tag.substring(1, tag.length() - 1)
                : tag;
    }

    private static long version(String text, String param, String raw) {
        try {
            long v = Long.parseLong(text.strip());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiException(ApiError.invalidRequest(param, "The state version must be a non-negative integer"
                + " (the ETag of a GET), got '" + raw + "'."));
    }
}
