package io.edgenode.server.jobs;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * When a schedule is next due: a pure function of its spec. Stateless per call; instances are immutable and may be
 * shared.
 */
@FunctionalInterface
public interface Cadence {
    /** No further due time (the same value as a finished schedule's {@code nextDueAt}). */
    long NONE = 0;

    /**
     * The first due time strictly after {@code afterMillis}, or {@link #NONE}. Strictly after: firing a due and
     * asking for the next one never returns the same time, whatever the clock does.
     */
    long nextAfter(long afterMillis);

    /**
     * The cadence of {@code spec}.
     *
     * @throws IllegalArgumentException for a cron expression that is not 5-field UNIX cron
     */
    static Cadence of(ScheduleSpec spec) {
        return switch (spec) {
            case ScheduleSpec.Once once -> after -> once.atMillis() > after ? once.atMillis() : NONE;
            case ScheduleSpec.Every every -> every(every.periodSeconds() * 1000L, every.firstDueMillis());
            case ScheduleSpec.Cron cron -> cron(cron);
        };
    }

    private static Cadence every(long periodMillis, long first) {
        return after -> {
            if (after < first) {
                return first;
            }
            // The grid point after `after`: computed from the first due, never from the last actual run.
            long k = (after - first) / periodMillis + 1;
            return first + k * periodMillis;
        };
    }

    private static Cadence cron(ScheduleSpec.Cron cron) {
        ExecutionTime times = ExecutionTime.forCron(
                new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX)).parse(cron.expression()));
        return after -> {
            // cron-utils answers strictly after the given time and works in local time of the zone, so DST is its
            // business: "0 8 * * *" stays at 08:00 local across a change, and a local time that does not exist
            // that day (02:30 on the March change in Paris) is not fired (CadenceTest shows both).
            ZonedDateTime from = Instant.ofEpochMilli(after).atZone(cron.zone());
            Optional<ZonedDateTime> next = times.nextExecution(from);
            if (next.isEmpty()) {
                return NONE;
            }
            long at = next.get().toInstant().toEpochMilli();
            return at > after ? at : NONE;
        };
    }
}
