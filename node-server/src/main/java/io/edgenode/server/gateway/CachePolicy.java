package io.edgenode.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgenode.server.config.GatewaySettings;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * Whether one request may be answered from (and stored in) the exact response cache, and for how
 * long. Pure policy over the request body and headers; immutable (thread-safe).
 *
 * <p>Eligible only when the cache is enabled and the reply depends on nothing but the request:
 * no session ({@code session_id}) and no memory retrieval ({@code memory}, whose index changes),
 * one choice ({@code n} absent or 1), and, while {@code deterministic_only} is set, a
 * deterministic sampler: {@code temperature} 0 or a {@code seed}. An absent temperature is not
 * 0 (OpenAI's default is 1; a model's configured default is not consulted here). Tools and
 * response formats are fine: they are part of the key.
 *
 * <p>Headers: {@code x-edgenode-cache: skip} (or {@code no-cache}) bypasses the cache, reading
 * and writing; {@code x-edgenode-cache-ttl: <seconds>} sets the lifetime of the entry this
 * request creates. As {@link GatewaySettings.Cache#ttl()} says, the header may only shorten it:
 * a larger value is capped at the configured ttl (an operator bounds what a client can pin in
 * memory), 0 means "do not store" (a bypass), and a value that is not a whole number of seconds
 * is ignored (the configured ttl applies).
 */
public final class CachePolicy {
    public static final String CACHE_HEADER = "x-edgenode-cache";
    public static final String TTL_HEADER = "x-edgenode-cache-ttl";

    private final GatewaySettings.Cache settings;

    /**
     * What the policy says about one request.
     *
     * @param eligible look the request up (and store its reply); false: bypass the cache
     * @param ttl the lifetime of an entry this request creates ({@link Duration#ZERO} when not eligible)
     * @param reason why, in a word or two, for logs and the {@code x-edgenode-cache} response header
     */
    public record Decision(boolean eligible, Duration ttl, String reason) {
        public Decision {
            Objects.requireNonNull(ttl, "ttl");
            Objects.requireNonNull(reason, "reason");
        }

        static Decision bypass(String reason) {
            return new Decision(false, Duration.ZERO, reason);
        }
    }

    public CachePolicy(GatewaySettings.Cache settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * Decides for {@code body} (the parsed request object) with the request's headers
     * ({@code header} returns a header's value by name, or null; e.g. {@code HttpHeaders::get}).
     */
    public Decision decide(JsonNode body, Function<String, String> header) {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(header, "header");
        if (!settings.enabled()) {
            return Decision.bypass("disabled");
        }
        String directive = header.apply(CACHE_HEADER);
        if (directive != null) {
            String d = directive.trim().toLowerCase(Locale.ROOT);
            if (d.equals("skip") || d.equals("no-cache")) {
                return Decision.bypass("skip");
            }
        }
        if (given(body, "session_id")) {
            return Decision.bypass("session");
        }
        if (given(body, "memory")) {
            return Decision.bypass("memory");
        }
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.isNumber() && n.decimalValue().compareTo(BigDecimal.ONE) == 0)) {
            return Decision.bypass("n");
        }
        if (settings.deterministicOnly() && !deterministic(body)) {
            return Decision.bypass("nondeterministic");
        }
        Duration ttl = ttl(header.apply(TTL_HEADER));
        if (ttl.isZero()) {
            return Decision.bypass("ttl");
        }
        return new Decision(true, ttl, "eligible");
    }

    private static boolean deterministic(JsonNode body) {
        JsonNode t = body.get("temperature");
        boolean greedy = t != null && t.isNumber() && t.decimalValue().signum() == 0;
        return greedy || given(body, "seed");
    }

    private Duration ttl(String value) {
        if (value == null) {
            return settings.ttl();
        }
        long seconds;
        try {
            seconds = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return settings.ttl(); // not a number of seconds: ignored, as documented
        }
        if (seconds < 0) {
            return settings.ttl();
        }
        if (seconds == 0) {
            return Duration.ZERO; // "do not store"
        }
        Duration asked = Duration.ofSeconds(seconds);
        return asked.compareTo(settings.ttl()) >= 0 ? settings.ttl() : asked;
    }

    private static boolean given(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v != null && !v.isNull();
    }
}
