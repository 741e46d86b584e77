package io.edgenode.server.jobs;

import io.edgenode.server.config.JobSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The node's scheduled work: the schedule store ({@code <data_dir>/jobs.db}), the scheduler that
 * owns time, and the actions. Thread-safe; every method may block on the store (virtual threads
 * only). A store that cannot be opened leaves the node up: {@link #store()} then says why, and the
 * schedules API answers 503.
 */
public final class Jobs implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Jobs.class.getName());

    private final JobSettings settings;
    private final ScheduleStore store;              // null: unavailable
    private final ScheduleStoreException failure;   // why store is null
    private final JobScheduler scheduler;           // null with the store
    private final WebhookSender webhooks;

    private Jobs(JobSettings settings, ScheduleStore store, ScheduleStoreException failure, JobScheduler scheduler,
            WebhookSender webhooks) {
        this.settings = settings;
        this.store = store;
        this.failure = failure;
        this.scheduler = scheduler;
        this.webhooks = webhooks;
    }

    /** Opens the store, recovers interrupted runs and starts the scheduler. */
    public static Jobs start(Path dataDir, JobSettings settings, TurnRunner turns, JobMetrics metrics,
            RunListener listener) {
        Objects.requireNonNull(settings, "settings");
        WebhookSender webhooks = new WebhookSender(settings);
        ScheduleStore store;
        try {
            store = ScheduleStore.open(dataDir);
        } catch (ScheduleStoreException e) {
            LOG.log(System.Logger.Level.ERROR, "schedules unavailable: " + e.getMessage());
            return new Jobs(settings, null, e, null, webhooks);
        }
        JobScheduler scheduler = new JobScheduler(store, new ScheduleActions(turns, webhooks, listener),
                settings.maxConcurrentRuns(), metrics);
        try {
            scheduler.start();
        } catch (ScheduleStoreException e) {
            LOG.log(System.Logger.Level.ERROR, "schedules unavailable: " + e.getMessage());
            scheduler.close();
            store.close();
            return new Jobs(settings, null, e, null, webhooks);
        }
        return new Jobs(settings, store, null, scheduler, webhooks);
    }

    /** What a new schedule's request is checked against: the default missed policy, the webhook allow-list. */
    public ScheduleRules rules() {
        return new ScheduleRules(settings.missedRunOnce() ? MissedPolicy.RUN_ONCE : MissedPolicy.SKIP,
                settings::allowsWebhook);
    }

    /** The open store; throws UNAVAILABLE (with the cause) when it could not be opened. */
    public ScheduleStore store() throws ScheduleStoreException {
        if (store == null) {
            throw failure;
        }
        return store;
    }

    /** Stores {@code request} as a schedule of session {@code sessionId} for key {@code keyId} and arms it. */
    public Schedule create(ScheduleRequest request, String sessionId, String keyId, long nowMillis)
            throws ScheduleStoreException {
        Schedule s = store().create(request.toSchedule(sessionId, keyId, nowMillis));
        scheduler.add(s);
        return s;
    }

    /** The schedule {@code id} of session {@code sessionId}, if it exists (another session's is not found). */
    public Optional<Schedule> get(String sessionId, String id) throws ScheduleStoreException {
        return store().get(id).filter(s -> s.sessionId().equals(sessionId));
    }

    public List<Schedule> list(String sessionId) throws ScheduleStoreException {
        return store().listForSession(sessionId);
    }

    public List<ScheduleRun> runs(String scheduleId, int limit) throws ScheduleStoreException {
        return store().runs(scheduleId, limit);
    }

    /** Deletes schedule {@code id} of session {@code sessionId}; false when there is none. */
    public boolean delete(String sessionId, String id) throws ScheduleStoreException {
        if (get(sessionId, id).isEmpty()) {
            return false;
        }
        boolean deleted = store().delete(id);
        scheduler.remove(id);
        return deleted;
    }

    /** The session is gone: so are its schedules. */
    public void sessionDeleted(String sessionId) throws ScheduleStoreException {
        for (String id : store().deleteForSession(sessionId)) {
            scheduler.remove(id);
        }
    }

    /** Schedules waiting for their next due time (metrics, tests). */
    public int pending() {
        return scheduler == null ? 0 : scheduler.scheduledCount();
    }

    /** Stops starting runs (idempotent): first thing when the node stops, so no run starts during the drain. */
    public void stopScheduling() {
        if (scheduler != null) {
            scheduler.close();
        }
    }

    /** Stops the scheduler (running actions finish on their own), then the store and the webhook client. */
    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.close();
        }
        if (store != null) {
            store.close();
        }
        webhooks.close();
    }
}
