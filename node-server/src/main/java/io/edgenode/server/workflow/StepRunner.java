package io.edgenode.server.workflow;

import java.util.concurrent.CompletionStage;

/**
 * Runs {@code turn} and {@code http} steps (the server implements it: a session turn through the pipeline, an HTTP
 * client call). Called on the engine's thread, which must not be held: start the work and return at once; complete
 * the stage when it is done, from any thread.
 *
 * <p>Delivery is at least once: an attempt the node died during is run again after restart with the same {@link
 * StepCall#idempotencyKey()} and the next attempt number. A stage completed exceptionally, a {@code null} stage or
 * a {@code run} that throws is a failed attempt (retried under the step's {@code retry} policy).
 *
 * <p>For a {@code turn}, the result should be what a branch can test: the parsed JSON of the assistant's reply when
 * it is JSON (a {@code response_format} turn), else an object such as {@code {"content": "..."}}.
 */
@FunctionalInterface
public interface StepRunner {
    CompletionStage<StepOutcome> run(StepCall call);
}
