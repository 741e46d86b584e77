package io.edgenode.server.jobs;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.OpenAiJson;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A validated request to create a schedule, and its parser. Immutable. Every refusal is an {@link ApiException}
 * with a 400 {@code invalid_request_error} naming the field, thrown before anything is stored or run.
 *
 * <p>The request, field by field:
 * <ul>
 *   <li>exactly one of {@code at} (RFC 3339 with an offset, in the future), {@code delay_seconds} (1 s to 10
 *       years), {@code every_seconds} (>= 1, first due one period from now), {@code cron} (5-field UNIX cron, with
 *       an optional {@code timezone}, an IANA zone id, default UTC; it must fire at least once);</li>
 *   <li>{@code action}: {@code {"type":"turn","messages":[...], ...chat fields}} or
 *       {@code {"type":"webhook","url":"https://...","payload":{...}}};</li>
 *   <li>optional {@code max_runs} (>= 1), {@code until} (RFC 3339, not before the first due), {@code missed}
 *       ({@code run_once} | {@code skip}), {@code id} ({@code [A-Za-z0-9_-]{1,64}}, else {@code sch_} + 24
 *       random characters).</li>
 * </ul>
 * Unknown fields are refused: a misspelt {@code max_run} must not silently mean "forever".
 *
 * @param id          the client's id, or a generated one
 * @param spec        when it is due, normalized
 * @param firstDueAt  the first due time (epoch millis), after the request's {@code now}
 * @param actionJson  the validated action object, compact JSON
 * @param maxRuns     0 for no limit
 * @param until       epoch millis, 0 for no end
 */
public record ScheduleRequest(String id, ScheduleSpec spec, long firstDueAt, String actionJson, int maxRuns,
        long until, MissedPolicy missed) {

    public static final String ID_PREFIX = "sch_";
    static final long MAX_DELAY_SECONDS = 10L * 366 * 24 * 3600;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Set<String> FIELDS = Set.of("at", "delay_seconds", "every_seconds", "cron", "timezone",
            "action", "max_runs", "until", "missed", "id");
    private static final List<String> WHEN = List.of("at", "delay_seconds", "every_seconds", "cron");
    private static final Set<String> WEBHOOK_FIELDS = Set.of("type", "url", "payload");
    private static final CronParser CRON = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final char[] ALPHANUMERIC =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    public ScheduleRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(actionJson, "actionJson");
        Objects.requireNonNull(missed, "missed");
    }

    /** Parses a request body (one JSON object in UTF-8, read with the API's limits) at time {@code nowMillis}. */
    public static ScheduleRequest parse(byte[] body, ScheduleRules rules, long nowMillis) {
        return parse(OpenAiJson.readObject(body), rules, nowMillis);
    }

    /** As {@link #parse(byte[], ScheduleRules, long)} for an object already read. */
    public static ScheduleRequest parse(ObjectNode o, ScheduleRules rules, long nowMillis) {
        Objects.requireNonNull(o, "request");
        Objects.requireNonNull(rules, "rules");
        for (Iterator<String> names = o.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw bad(name, "unknown_parameter", "Unrecognized request argument supplied: " + name + ".");
            }
        }
        String id = o.has("id") ? clientId(o.get("id")) : newId();
        ScheduleSpec spec = spec(o, nowMillis);
        long firstDue = Cadence.of(spec).nextAfter(nowMillis);
        if (firstDue == Cadence.NONE) {
            String which = spec instanceof ScheduleSpec.Cron ? "cron" : "at";
            throw bad(which, "never_due", "The schedule would never run: `" + which + "` has no time after now.");
        }
        String action = action(o.get("action"), rules);
        int maxRuns = o.has("max_runs") ? (int) integer(o, "max_runs", 1, Integer.MAX_VALUE) : 0;
        long until = 0;
        if (o.has("until")) {
            until = rfc3339(o, "until");
            if (until < firstDue) {
                throw bad("until", "invalid_value", "`until` is before the schedule's first run ("
                        + Instant.ofEpochMilli(firstDue) + ").");
            }
        }
        MissedPolicy missed = rules.defaultMissed();
        if (o.has("missed")) {
            JsonNode m = o.get("missed");
            missed = MissedPolicy.fromWireName(m.isTextual() ? m.asText() : "").orElseThrow(() -> bad("missed",
                    "invalid_value", "`missed` must be \"run_once\" or \"skip\"."));
        }
        return new ScheduleRequest(id, spec, firstDue, action, maxRuns, until, missed);
    }

    /** The schedule this request creates, ACTIVE and first due at {@link #firstDueAt()}. */
    public Schedule toSchedule(String sessionId, String keyId, long createdAt) {
        return new Schedule(id, sessionId, spec.toJson(), actionJson, keyId, maxRuns, until, missed, createdAt,
                firstDueAt, 0, Schedule.State.ACTIVE);
    }

    /** {@code sch_} + 24 random letters and digits (~143 bits). */
    public static String newId() {
        char[] c = new char[24];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHANUMERIC[RANDOM.nextInt(ALPHANUMERIC.length)];
        }
        return ID_PREFIX + new String(c);
    }

    private static String clientId(JsonNode v) {
        if (!v.isTextual() || !ID.matcher(v.asText()).matches()) {
            throw bad("id", "invalid_value", "`id` must be 1 to 64 letters, digits, '_' or '-'.");
        }
        return v.asText();
    }

    private static ScheduleSpec spec(ObjectNode o, long now) {
        List<String> given = WHEN.stream().filter(o::has).toList();
        if (given.size() != 1) {
            throw bad(given.isEmpty() ? null : given.get(1), given.isEmpty() ? "missing_required_parameter"
                    : "invalid_value", "Exactly one of `at`, `delay_seconds`, `every_seconds` or `cron` is required"
                    + (given.isEmpty() ? "." : "; got " + String.join(", ", given) + "."));
        }
        if (o.has("timezone") && !o.has("cron")) {
            throw bad("timezone", "invalid_value", "`timezone` applies to `cron` only.");
        }
        return switch (given.getFirst()) {
            case "at" -> {
                long at = rfc3339(o, "at");
                if (at <= now) {
                    throw bad("at", "invalid_value", "`at` is in the past.");
                }
                yield new ScheduleSpec.Once(at);
            }
            case "delay_seconds" -> new ScheduleSpec.Once(
                    now + 1000 * integer(o, "delay_seconds", 1, MAX_DELAY_SECONDS));
            case "every_seconds" -> {
                long period = integer(o, "every_seconds", 1, MAX_DELAY_SECONDS);
                yield new ScheduleSpec.Every(period, now + 1000 * period);
            }
            default -> cron(o);
        };
    }

    private static ScheduleSpec.Cron cron(ObjectNode o) {
        JsonNode c = o.get("cron");
        if (!c.isTextual()) {
            throw bad("cron", "invalid_type", "`cron` must be a string such as \"0 8 * * *\".");
        }
        String expr = c.asText().trim();
        if (expr.split("\\s+").length != 5) {
            throw bad("cron", "invalid_value", "`cron` must have 5 fields (minute hour day-of-month month"
                    + " day-of-week).");
        }
        try {
            CRON.parse(expr).validate();
        } catch (IllegalArgumentException e) {
            throw bad("cron", "invalid_value", "`cron` is not a valid UNIX cron expression: " + e.getMessage());
        }
        ZoneId zone = ZoneId.of("UTC");
        if (o.has("timezone")) {
            JsonNode z = o.get("timezone");
            // Region ids only: a fixed offset would not follow the place's daylight saving time.
            if (!z.isTextual() || !ZoneId.getAvailableZoneIds().contains(z.asText())) {
                throw bad("timezone", "invalid_value", "`timezone` must be an IANA time zone id such as"
                        + " \"Europe/Paris\".");
            }
            zone = ZoneId.of(z.asText());
        }
        return new ScheduleSpec.Cron(expr, zone);
    }

    private static String action(JsonNode a, ScheduleRules rules) {
        if (a == null) {
            throw bad("action", "missing_required_parameter", "Missing required parameter: 'action'.");
        }
        if (!a.isObject()) {
            throw bad("action", "invalid_type", "`action` must be an object.");
        }
        JsonNode type = a.get("type");
        String t = type != null && type.isTextual() ? type.asText() : "";
        switch (t) {
            case "turn" -> {
                JsonNode messages = a.get("messages");
                if (messages == null || !messages.isArray() || messages.isEmpty()) {
                    throw bad("action.messages", "empty_array", "`action.messages` must be a non-empty array.");
                }
                for (int i = 0; i < messages.size(); i++) {
                    if (!messages.get(i).isObject()) {
                        throw bad("action.messages[" + i + "]", "invalid_type", "Each message must be an object.");
                    }
                }
            }
            case "webhook" -> {
                for (Iterator<String> names = a.fieldNames(); names.hasNext(); ) {
                    String name = names.next();
                    if (!WEBHOOK_FIELDS.contains(name)) {
                        throw bad("action." + name, "unknown_parameter", "Unrecognized webhook argument: " + name
                                + ".");
                    }
                }
                URI url = webhookUrl(a.get("url"));
                if (!rules.webhookAllowed().test(url)) {
                    throw bad("action.url", "url_not_allowed", "Webhooks to " + url.getHost()
                            + " are not allowed on this node.");
                }
                JsonNode payload = a.get("payload");
                if (payload != null && !payload.isObject()) {
                    throw bad("action.payload", "invalid_type", "`action.payload` must be an object.");
                }
            }
            default -> throw bad("action.type", "invalid_value", "`action.type` must be \"turn\" or \"webhook\".");
        }
        return a.toString();
    }

    private static URI webhookUrl(JsonNode v) {
        String why = "`action.url` must be an absolute http(s) URL.";
        if (v == null || !v.isTextual()) {
            throw bad("action.url", "invalid_value", why);
        }
        try {
            URI url = new URI(v.asText());
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!url.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
                throw bad("action.url", "invalid_value", why);
            }
            return url;
        } catch (URISyntaxException e) {
            throw bad("action.url", "invalid_value", why);
        }
    }

    private static long integer(ObjectNode o, String field, long min, long max) {
        JsonNode v = o.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw bad(field, "invalid_type", "`" + field + "` must be an integer.");
        }
        long n = v.asLong();
        if (n < min) {
            throw bad(field, "integer_below_min_value", "`" + field + "` must be at least " + min + ".");
        }
        if (n > max) {
            throw bad(field, "integer_above_max_value", "`" + field + "` must be at most " + max + ".");
        }
        return n;
    }

    /** RFC 3339 date-time with an offset ({@code Z} or {@code +02:00}); RFC 3339 allows lower-case t and z. */
    private static long rfc3339(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        try {
            if (v.isTextual()) {
                return OffsetDateTime.parse(v.asText().toUpperCase(Locale.ROOT)).toInstant().toEpochMilli();
            }
        } catch (DateTimeParseException | ArithmeticException e) {
            // refused below
        }
        throw bad(field, "invalid_value", "`" + field + "` must be an RFC 3339 date-time with an offset, such as"
                + " \"2030-01-31T08:00:00+01:00\".");
    }

    private static ApiException bad(String param, String code, String message) {
        return new ApiException(ApiError.invalidRequest(param, code, message));
    }
}
