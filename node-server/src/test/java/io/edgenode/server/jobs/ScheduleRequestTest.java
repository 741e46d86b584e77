package io.edgenode.server.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class ScheduleRequestTest {
    private static final long NOW = Instant.parse("2030-03-01T12:00:00Z").toEpochMilli();
    private static final String TURN = "\"action\":{\"type\":\"turn\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
            + "\"temperature\":0.2}";
    private static final ScheduleRules RULES = new ScheduleRules(MissedPolicy.RUN_ONCE,
            url -> url.getHost().endsWith("example.com"));

    private static ScheduleRequest parse(String json) {
        return ScheduleRequest.parse(json.getBytes(StandardCharsets.UTF_8), RULES, NOW);
    }

    private static ApiError refused(String json) {
        ApiError e = assertThrows(ApiException.class, () -> parse(json)).error();
        assertEquals(400, e.status());
        assertEquals(ApiError.INVALID_REQUEST, e.type());
        return e;
    }

    private static void assertRefused(String json, String param, String code) {
        ApiError e = refused(json);
        assertEquals(param, e.param(), e.message());
        assertEquals(code, e.code(), e.message());
    }

    @Test
    void shouldResolveDelayAgainstNowAndKeepTheTurnAction() {
        ScheduleRequest r = parse("{\"delay_seconds\":600," + TURN + "}");
        assertEquals(new ScheduleSpec.Once(NOW + 600_000), r.spec());
        assertEquals(NOW + 600_000, r.firstDueAt());
        assertTrue(r.actionJson().contains("\"temperature\":0.2"));
        assertTrue(r.id().matches("sch_[A-Za-z0-9]{24}"), r.id());
        assertEquals(MissedPolicy.RUN_ONCE, r.missed());
        assertEquals(0, r.maxRuns());
        assertEquals(0, r.until());
    }

    @Test
    void shouldReadEveryCronAtAndTheOptionalFields() {
        ScheduleRequest every = parse("{\"every_seconds\":60,\"max_runs\":5,\"missed\":\"skip\",\"id\":\"my-job_1\","
                + TURN + "}");
        assertEquals(new ScheduleSpec.Every(60, NOW + 60_000), every.spec());
        assertEquals(5, every.maxRuns());
        assertEquals(MissedPolicy.SKIP, every.missed());
        assertEquals("my-job_1", every.id());

        ScheduleRequest cron = parse("{\"cron\":\"0 8 * * *\",\"timezone\":\"Europe/Paris\","
                + "\"until\":\"2030-03-10T00:00:00+01:00\"," + TURN + "}");
        assertEquals(new ScheduleSpec.Cron("0 8 * * *", ZoneId.of("Europe/Paris")), cron.spec());
        assertEquals(Instant.parse("2030-03-02T07:00:00Z").toEpochMilli(), cron.firstDueAt());
        assertEquals(Instant.parse("2030-03-09T23:00:00Z").toEpochMilli(), cron.until());

        ScheduleRequest at = parse("{\"at\":\"2030-03-01T14:30:00+02:00\",\"action\":{\"type\":\"webhook\","
                + "\"url\":\"https://hooks.example.com/x\",\"payload\":{\"a\":1}}}");
        assertEquals(NOW + 30 * 60_000, at.firstDueAt());
        assertTrue(at.actionJson().contains("\"payload\":{\"a\":1}"));
        Schedule s = at.toSchedule("sess1", "key1", NOW);
        assertEquals(Schedule.State.ACTIVE, s.state());
        assertEquals("sess1", s.sessionId());
        assertEquals(at.firstDueAt(), s.nextDueAt());
    }

    @Test
    void shouldRequireExactlyOneWhen() {
        assertRefused("{" + TURN + "}", null, "missing_required_parameter");
        assertRefused("{\"delay_seconds\":5,\"every_seconds\":5," + TURN + "}", "every_seconds", "invalid_value");
        assertRefused("{\"delay_seconds\":5,\"timezone\":\"Europe/Paris\"," + TURN + "}", "timezone", "invalid_value");
    }

    @Test
    void shouldRefuseBadTimes() {
        assertRefused("{\"at\":\"2030-03-01T11:59:59Z\"," + TURN + "}", "at", "invalid_value");
        assertRefused("{\"at\":\"2030-03-01T13:00:00\"," + TURN + "}", "at", "invalid_value"); // no offset
        assertRefused("{\"at\":\"tomorrow\"," + TURN + "}", "at", "invalid_value");
        assertRefused("{\"delay_seconds\":0," + TURN + "}", "delay_seconds", "integer_below_min_value");
        assertRefused("{\"delay_seconds\":400000000," + TURN + "}", "delay_seconds", "integer_above_max_value");
        assertRefused("{\"delay_seconds\":1.5," + TURN + "}", "delay_seconds", "invalid_type");
        assertRefused("{\"every_seconds\":0," + TURN + "}", "every_seconds", "integer_below_min_value");
        assertRefused("{\"delay_seconds\":60,\"until\":\"2030-03-01T12:00:30Z\"," + TURN + "}", "until",
                "invalid_value");
        assertRefused("{\"delay_seconds\":60,\"until\":\"soon\"," + TURN + "}", "until", "invalid_value");
    }

    @Test
    void shouldRefuseBadCron() {
        assertRefused("{\"cron\":\"0 0 30 2 *\"," + TURN + "}", "cron", "never_due");
        assertRefused("{\"cron\":\"0 8 * *\"," + TURN + "}", "cron", "invalid_value");
        assertRefused("{\"cron\":\"0 8 * * * 2030\"," + TURN + "}", "cron", "invalid_value");
        assertRefused("{\"cron\":\"61 8 * * *\"," + TURN + "}", "cron", "invalid_value");
        assertRefused("{\"cron\":8," + TURN + "}", "cron", "invalid_type");
        assertRefused("{\"cron\":\"0 8 * * *\",\"timezone\":\"Mars/Olympus\"," + TURN + "}", "timezone",
                "invalid_value");
        assertRefused("{\"cron\":\"0 8 * * *\",\"timezone\":\"+02:00\"," + TURN + "}", "timezone", "invalid_value");
    }

    @Test
    void shouldRefuseBadActions() {
        assertRefused("{\"delay_seconds\":5}", "action", "missing_required_parameter");
        assertRefused("{\"delay_seconds\":5,\"action\":[]}", "action", "invalid_type");
        assertRefused("{\"delay_seconds\":5,\"action\":{\"type\":\"email\"}}", "action.type", "invalid_value");
        assertRefused("{\"delay_seconds\":5,\"action\":{\"type\":\"turn\",\"messages\":[]}}", "action.messages",
                "empty_array");
        assertRefused("{\"delay_seconds\":5,\"action\":{\"type\":\"turn\"}}", "action.messages", "empty_array");
        assertRefused("{\"delay_seconds\":5,\"action\":{\"type\":\"turn\",\"messages\":[\"hi\"]}}",
                "action.messages[0]", "invalid_type");
        assertRefused("{\"delay_seconds\":5,\"action\":{\"type\":\"webhook\",\"url\":\"ftp://hooks.example.com/\"}}",
                "action.url", "invalid_value");
        assertRefused("{\"delay_seconds\":5,\"action\":{\"type\":\"webhook\",\"url\":\"/relative\"}}",
                "action.url", "invalid_value");
        assertRefused("{\"delay_seconds\":5,\"action\":{\"type\":\"webhook\",\"url\":\"https://evil.test/\"}}",
                "action.url", "url_not_allowed");
        assertRefused("{\"delay_seconds\":5,\"action\":{\"type\":\"webhook\",\"url\":\"https://a.example.com/\","
                + "\"payload\":3}}", "action.payload", "invalid_type");
        assertRefused("{\"delay_seconds\":5,\"action\":{\"type\":\"webhook\",\"url\":\"https://a.example.com/\","
                + "\"headers\":{}}}", "action.headers", "unknown_parameter");
    }

    @Test
    void shouldRefuseUnknownFieldsAndBadOptions() {
        assertRefused("{\"delay_seconds\":5,\"max_run\":3," + TURN + "}", "max_run", "unknown_parameter");
        assertRefused("{\"delay_seconds\":5,\"max_runs\":0," + TURN + "}", "max_runs", "integer_below_min_value");
        assertRefused("{\"delay_seconds\":5,\"missed\":\"later\"," + TURN + "}", "missed", "invalid_value");
        assertRefused("{\"delay_seconds\":5,\"id\":\"has space\"," + TURN + "}", "id", "invalid_value");
        assertRefused("{\"delay_seconds\":5,\"id\":\"" + "x".repeat(65) + "\"," + TURN + "}", "id", "invalid_value");
        ApiError notJson = assertThrows(ApiException.class,
                () -> ScheduleRequest.parse("{".getBytes(StandardCharsets.UTF_8), RULES, NOW)).error();
        assertEquals(400, notJson.status());
    }
}
