package io.edgenode.server.jobs;

import java.util.concurrent.CompletionStage;

/**
 * Runs a schedule's turn on its session as a request of the schedule's creator would (the HTTP
 * layer implements it: the same pipeline, the same gate). Must return at once.
 */
public interface TurnRunner {
    /** Completes with null when the turn was stored, else with why not. */
    CompletionStage<String> run(String sessionId, String actionJson, String keyId);
}
