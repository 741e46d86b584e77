package io.edgenode.server.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.server.jobs.Schedule;
import io.edgenode.server.jobs.ScheduleRun;
import io.edgenode.server.jobs.ScheduleSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The schedules API's JSON (our extension): {@code session.schedule} objects with their recent
 * runs, lists, deletions. Times are RFC 3339 in UTC, as a client sends them. Stateless.
 */
public final class ScheduleJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScheduleJson() {}

    /** One schedule, with {@code runs} (newest first; empty: none listed). */
    public static byte[] schedule(Schedule s, List<ScheduleRun> runs) {
        return write(g -> write(g, s, runs));
    }

    public static byte[] list(List<Schedule> schedules) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (Schedule s : schedules) {
                write(g, s, null);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    public static byte[] deleted(String id) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("object", "session.schedule.deleted");
            g.writeBooleanField("deleted", true);
            g.writeEndObject();
        });
    }

    private static void write(JsonGenerator g, Schedule s, List<ScheduleRun> runs) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", s.id());
        g.writeStringField("object", "session.schedule");
        g.writeStringField("session_id", s.sessionId());
        switch (ScheduleSpec.fromJson(s.specJson())) {
            case ScheduleSpec.Once once -> g.writeStringField("at", time(once.atMillis()));
            case ScheduleSpec.Every every -> {
                g.writeNumberField("every_seconds", every.periodSeconds());
                g.writeStringField("first_run_at", time(every.firstDueMillis()));
            }
            case ScheduleSpec.Cron cron -> {
                g.writeStringField("cron", cron.expression());
                g.writeStringField("timezone", cron.zone().getId());
            }
        }
        g.writeFieldName("action");
        g.writeTree(JSON.readTree(s.actionJson()));
        if (s.maxRuns() > 0) {
            g.writeNumberField("max_runs", s.maxRuns());
        } else {
            g.writeNullField("max_runs");
        }
        g.writeStringField("until", s.until() > 0 ? time(s.until()) : null);
        g.writeStringField("missed", s.missedPolicy().wireName());
        g.writeStringField("state", s.state().name().toLowerCase(Locale.ROOT));
        g.writeNumberField("run_count", s.runCount());
        g.writeStringField("next_run_at", s.nextDueAt() > 0 ? time(s.nextDueAt()) : null);
        g.writeNumberField("created_at", s.createdAt() / 1000);
        if (runs != null) {
            g.writeArrayFieldStart("runs");
            for (ScheduleRun r : runs) {
                g.writeStartObject();
                g.writeStringField("id", r.runId());
                g.writeStringField("due_at", time(r.dueAt()));
                g.writeNumberField("attempt", r.attempt());
                g.writeStringField("started_at", r.startedAt() > 0 ? time(r.startedAt()) : null);
                g.writeStringField("finished_at", r.isFinished() ? time(r.finishedAt()) : null);
                g.writeStringField("outcome", r.outcome() == null ? null : r.outcome().name().toLowerCase(Locale.ROOT));
                g.writeStringField("error", r.error());
                g.writeNumberField("lateness_ms", r.latenessMillis());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static String time(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
