package io.edgenode.server.jobs;

import java.util.Objects;

/**
 * One stored schedule. Immutable: the store and the scheduler exchange new instances.
 *
 * @param id          {@code sch_...} or the client's id
 * @param sessionId   the session the schedule belongs to (deleted with it)
 * @param specJson    when it is due, as {@link ScheduleSpec#toJson()} wrote it
 * @param actionJson  what it does, a validated action object ({@code {"type":"turn",...}} or {@code "webhook"})
 * @param keyId       the id of the API key that created it, or null (no auth, admin)
 * @param maxRuns     the most runs it makes; 0 for no limit
 * @param until       epoch millis after which it is not due any more; 0 for no end
 * @param createdAt   epoch millis
 * @param nextDueAt   epoch millis of the next planned run; 0 once it is finished (DONE or DELETED)
 * @param runCount    runs begun so far (skipped dues do not count)
 */
public record Schedule(String id, String sessionId, String specJson, String actionJson, String keyId, int maxRuns,
        long until, MissedPolicy missedPolicy, long createdAt, long nextDueAt, int runCount, State state) {

    public enum State { ACTIVE, DONE, DELETED }

    public Schedule {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(specJson, "specJson");
        Objects.requireNonNull(actionJson, "actionJson");
        Objects.requireNonNull(missedPolicy, "missedPolicy");
        Objects.requireNonNull(state, "state");
        if (maxRuns < 0 || until < 0 || runCount < 0 || nextDueAt < 0) {
            throw new IllegalArgumentException("negative count or time in schedule " + id);
        }
    }

    /**
     * The schedule after one more run began (or, with {@code counted} false, a due was skipped), whose next
     * planned due is {@code next} ({@link Cadence#NONE} for none). The one place that decides when a schedule
     * ends: no next due, {@code max_runs} reached, or the next due after {@code until}.
     */
    public Schedule advanced(long next, boolean counted) {
        int runs = counted ? runCount + 1 : runCount;
        boolean done = next == Cadence.NONE
                || (maxRuns > 0 && runs >= maxRuns)
                || (until > 0 && next > until);
        return new Schedule(id, sessionId, specJson, actionJson, keyId, maxRuns, until, missedPolicy, createdAt,
                done ? 0 : next, runs, done ? State.DONE : State.ACTIVE);
    }

    public boolean isActive() {
        return state == State.ACTIVE;
    }
}
