package io.edgenode.server.jobs;

import java.util.concurrent.CompletionStage;

/**
 * What a due schedule does (the server implements it: a session turn, a webhook POST). Called on the scheduler's
 * thread, which must not be held: start the work (on a virtual thread, an event loop, an HTTP client) and return at
 * once; complete the stage when it is done.
 *
 * <p>Delivery is at least once: a run the node died during is run again once after restart with the same
 * {@link ScheduleRun#runId()} and {@code attempt} 2, so an action with outside effects should pass the run id on as
 * an idempotency key. A stage completed exceptionally, or a {@code run} that throws, counts as FAILED.
 */
@FunctionalInterface
public interface JobAction {
    CompletionStage<RunResult> run(Schedule schedule, ScheduleRun run);
}
