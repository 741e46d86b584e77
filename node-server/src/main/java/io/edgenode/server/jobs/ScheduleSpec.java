package io.edgenode.server.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.OpenAiJson;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.Objects;

/**
 * When a schedule is due, normalized: {@code at} and {@code delay_seconds} both become {@link Once} (a delay is
 * resolved against the creation time, so a restart does not restart the delay). Immutable; stored as
 * {@link #toJson()}.
 */
public sealed interface ScheduleSpec {
    /** Due once, at {@code atMillis}. */
    record Once(long atMillis) implements ScheduleSpec {}

    /**
     * Due every {@code periodSeconds}, on the grid {@code firstDueMillis + k * period}: fixed rate from the planned
     * times, so neither lateness nor a slow action makes it drift.
     */
    record Every(long periodSeconds, long firstDueMillis) implements ScheduleSpec {
        public Every {
            if (periodSeconds < 1) {
                throw new IllegalArgumentException("period must be >= 1 s, got " + periodSeconds);
            }
        }
    }

    /** Due at each time a 5-field UNIX cron expression matches, read in {@code zone}. */
    record Cron(String expression, ZoneId zone) implements ScheduleSpec {
        public Cron {
            Objects.requireNonNull(expression, "expression");
            Objects.requireNonNull(zone, "zone");
        }
    }

    /** {@code {"kind":"once","at_ms":...}}, {@code {"kind":"every",...}}, {@code {"kind":"cron",...}}. */
    default String toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        switch (this) {
            case Once once -> o.put("kind", "once").put("at_ms", once.atMillis());
            case Every every -> o.put("kind", "every").put("every_seconds", every.periodSeconds())
                    .put("first_due_ms", every.firstDueMillis());
            case Cron cron -> o.put("kind", "cron").put("cron", cron.expression()).put("timezone", cron.zone().getId());
        }
        return o.toString();
    }

    /** Reads what {@link #toJson()} wrote; anything else is an IllegalArgumentException (a corrupt row). */
    static ScheduleSpec fromJson(String json) {
        JsonNode o;
        try {
            o = OpenAiJson.readObject(json.getBytes(StandardCharsets.UTF_8));
        } catch (ApiException e) {
            throw new IllegalArgumentException("schedule spec is not JSON: " + json, e);
        }
        return switch (o.path("kind").asText()) {
            case "once" -> new Once(o.path("at_ms").asLong());
            case "every" -> new Every(o.path("every_seconds").asLong(), o.path("first_due_ms").asLong());
            case "cron" -> new Cron(o.path("cron").asText(), ZoneId.of(o.path("timezone").asText()));
            default -> throw new IllegalArgumentException("unknown schedule spec: " + json);
        };
    }
}
