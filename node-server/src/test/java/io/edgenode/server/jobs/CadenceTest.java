package io.edgenode.server.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class CadenceTest {
    private static long t(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void shouldFireOnceKindsOnceThenNever() {
        Cadence once = Cadence.of(new ScheduleSpec.Once(1_000_000));
        assertEquals(1_000_000, once.nextAfter(0));
        assertEquals(1_000_000, once.nextAfter(999_999));
        assertEquals(Cadence.NONE, once.nextAfter(1_000_000));
        assertEquals(Cadence.NONE, once.nextAfter(5_000_000));
    }

    @Test
    void shouldKeepEveryOnItsGridWhateverTheLateness() {
        Cadence every = Cadence.of(new ScheduleSpec.Every(10, 100_000));
        assertEquals(100_000, every.nextAfter(0));
        assertEquals(110_000, every.nextAfter(100_000));
        // Fired 3.7 s late: the next due is still on the grid, not 10 s after the late start.
        assertEquals(110_000, every.nextAfter(103_700));
        assertEquals(140_000, every.nextAfter(139_999));
        long due = 100_000;
        for (int i = 0; i < 1000; i++) {
            due = every.nextAfter(due);
        }
        assertEquals(100_000 + 1000 * 10_000L, due);
    }

    @Test
    void shouldFollowCronStrictlyAfter() {
        Cadence daily = Cadence.of(new ScheduleSpec.Cron("0 8 * * *", ZoneId.of("UTC")));
        assertEquals(t("2030-01-01T08:00:00Z"), daily.nextAfter(t("2030-01-01T07:59:59.999Z")));
        assertEquals(t("2030-01-02T08:00:00Z"), daily.nextAfter(t("2030-01-01T08:00:00Z")));
        assertEquals(t("2030-01-02T08:00:00Z"), daily.nextAfter(t("2030-01-01T08:00:00.001Z")));
        Cadence never = Cadence.of(new ScheduleSpec.Cron("0 0 30 2 *", ZoneId.of("UTC")));
        assertEquals(Cadence.NONE, never.nextAfter(t("2030-01-01T00:00:00Z")));
    }

    @Test
    void shouldKeepLocalTimeAcrossTheMarchDstChangeInParis() {
        // 2030-03-31: Paris goes from UTC+1 to UTC+2 at 02:00 local.
        ZoneId paris = ZoneId.of("Europe/Paris");
        Cadence eight = Cadence.of(new ScheduleSpec.Cron("0 8 * * *", paris));
        long sat = eight.nextAfter(t("2030-03-29T12:00:00Z"));
        assertEquals(t("2030-03-30T07:00:00Z"), sat); // 08:00 CET
        long sun = eight.nextAfter(sat);
        assertEquals(t("2030-03-31T06:00:00Z"), sun); // 08:00 CEST: 23 hours later
        assertEquals(t("2030-04-01T06:00:00Z"), eight.nextAfter(sun));

        // Hourly across the gap: 01:30 CET, then 03:30 CEST (02:30 does not exist that day), one hour apart.
        Cadence halfPast = Cadence.of(new ScheduleSpec.Cron("30 * * * *", paris));
        long before = halfPast.nextAfter(t("2030-03-31T00:00:00Z"));
        assertEquals(t("2030-03-31T00:30:00Z"), before);
        assertEquals(t("2030-03-31T01:30:00Z"), halfPast.nextAfter(before));
    }
}
