package io.edgenode.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.edgenode.server.gateway.GatewayStoreException;
import io.edgenode.server.gateway.UsageGroup;
import io.edgenode.server.gateway.UsageQuery;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.OpenAiJson;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.InstantSource;
import java.time.DateTimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * {@code GET /admin/usage?group_by=key,model&from=&to=&key=}: the usage ledger summed by
 * dimension. {@code from} (inclusive) and {@code to} (exclusive) are RFC 3339 times or epoch
 * seconds, by default the last 30 days up to now; {@code group_by} defaults to {@code key,model}
 * ({@code group_by=} with no value: one total). The query runs on the blocking executor (SQLite
 * I/O never on the event loop). Thread-safe (stateless apart from its collaborators).
 */
final class AdminUsageEndpoint {
    static final String PATH = "/admin/usage";
    static final Duration DEFAULT_WINDOW = Duration.ofDays(30);
    private static final List<String> DEFAULT_GROUP_BY = List.of("key", "model");

    private final UsageQuery usage;
    private final Executor blocking;
    private final InstantSource clock;

    private final Runnable flush;

    AdminUsageEndpoint(UsageQuery usage, Executor blocking, InstantSource clock) {
        this(usage, blocking, clock, () -> { });
    }

    /** {@code flush} runs before each query (the ledger writes what it holds: the view reads its own requests). */
    AdminUsageEndpoint(UsageQuery usage, Executor blocking, InstantSource clock, Runnable flush) {
        this.flush = flush;
        this.usage = Objects.requireNonNull(usage, "usage");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Whether {@code path} (without the query) is this endpoint's. */
    static boolean handles(String path) {
        return path.equals(PATH);
    }

    void handle(HttpMethod method, String uri, HttpExchange ex) {
        Offload.respond(blocking, ex, () -> {
            flush.run();
            return answer(method, uri);
        });
    }

    /** The 200 body, or an {@link ApiException} (400 for a bad parameter, 405, 500 when the database fails). */
    byte[] answer(HttpMethod method, String uri) {
        QueryStringDecoder q = new QueryStringDecoder(uri);
        if (!method.equals(HttpMethod.GET)) {
            throw new ApiException(ApiError.methodNotAllowed(method.name(), q.path()));
        }
        Map<String, List<String>> params = q.parameters();
        Instant to = time(params, "to", clock.instant());
        Instant from = time(params, "from", to.minus(DEFAULT_WINDOW));
        if (!from.isBefore(to)) {
            throw new ApiException(ApiError.invalidRequest("from", "from (" + from + ") must be before to (" + to + ")"));
        }
        List<String> groupBy = groupBy(params);
        String key = first(params, "key");
        if (key != null && key.isEmpty()) {
            throw new ApiException(ApiError.invalidRequest("key", "key must be a key id, not empty"));
        }
        List<UsageGroup> groups;
        try {
            groups = usage.groupBy(groupBy, from, to, key);
        } catch (IllegalArgumentException e) {
            throw new ApiException(ApiError.invalidRequest("group_by", e.getMessage()));
        } catch (GatewayStoreException e) {
            throw new ApiException(ApiError.serverError("the usage ledger cannot be read"));
        }
        return json(groupBy, from, to, groups);
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    private static List<String> groupBy(Map<String, List<String>> params) {
        String raw = first(params, "group_by");
        if (raw == null) {
            return DEFAULT_GROUP_BY;
        }
        List<String> dims = new ArrayList<>();
        for (String d : raw.split(",", -1)) {
            String t = d.strip();
            if (!t.isEmpty()) {
                dims.add(t);
            }
        }
        return dims;
    }

    /** RFC 3339 ({@code 2026-12-02T10:00:00Z}, with an offset) or whole epoch seconds. */
    static Instant time(Map<String, List<String>> params, String name, Instant dflt) {
        String v = first(params, name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            if (v.chars().allMatch(Character::isDigit)) {
                return Instant.ofEpochSecond(Long.parseLong(v));
            }
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeException | NumberFormatException e) {
            throw new ApiException(ApiError.invalidRequest(name, name + " must be an RFC 3339 time such as "
                    + "2026-01-31T00:00:00Z or epoch seconds, got '" + v + "'"));
        }
    }

    private static byte[] json(List<String> groupBy, Instant from, Instant to, List<UsageGroup> groups) {
        ByteArrayBuilder out = new ByteArrayBuilder(256 + groups.size() * 256);
        try (JsonGenerator g = OpenAiJson.mapper().getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("group_by");
            for (String d : groupBy) {
                g.writeString(d);
            }
            g.writeEndArray();
            g.writeNumberField("from", from.getEpochSecond());
            g.writeNumberField("to", to.getEpochSecond());
            g.writeArrayFieldStart("data");
            for (UsageGroup u : groups) {
                g.writeStartObject();
                for (Map.Entry<String, String> e : u.dimensions().entrySet()) {
                    if (e.getKey().equals("status") && e.getValue() != null) {
                        g.writeNumberField("status", Integer.parseInt(e.getValue()));
                    } else {
                        g.writeStringField(e.getKey(), e.getValue()); // null in keyless mode
                    }
                }
                g.writeNumberField("requests", u.requests());
                g.writeNumberField("prompt_tokens", u.promptTokens());
                g.writeNumberField("cached_tokens", u.cachedTokens());
                g.writeNumberField("completion_tokens", u.completionTokens());
                g.writeNumberField("compute_seconds", u.computeSeconds());
                g.writeNumberField("cost_usd", u.costUsd());
                g.writeNumberField("errors", u.errors());
                g.writeNumberField("first_started_at", u.first().getEpochSecond());
                g.writeNumberField("last_started_at", u.last().getEpochSecond());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory; cannot happen
        }
        return out.toByteArray();
    }
}
