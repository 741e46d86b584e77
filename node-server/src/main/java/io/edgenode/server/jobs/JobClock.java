package io.edgenode.server.jobs;

/**
 * The scheduler's time. The real one is the wall clock: schedules are promises about wall time ("at 8:00 Paris
 * time"), so a clock set forward fires what is now due, and one set back fires nothing twice (a schedule's next due
 * is always after the due it last fired). Tests pass a fake and drive {@link JobScheduler#tick()}.
 */
@FunctionalInterface
public interface JobClock {
    long nowMillis();

    static JobClock system() {
        return System::currentTimeMillis;
    }
}
