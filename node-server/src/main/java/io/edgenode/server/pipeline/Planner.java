package io.edgenode.server.pipeline;

import io.edgenode.server.node.LoadedModel;

/**
 * The plan stage for one request: builds the {@link GenerationPlan} for a candidate model
 * (renders its template, tokenizes with its vocabulary, reads a session's history). Called on
 * the request's virtual thread once per candidate tried, so a fallback with another vocabulary
 * gets a prompt of its own.
 */
@FunctionalInterface
public interface Planner {
    /**
     * @throws io.edgenode.server.openai.ApiException a refusal no other candidate would change
     *     (a malformed template input, a session that belongs to another model, the prompt over
     *     the context of a named model); nothing is held when it throws
     */
    GenerationPlan plan(LoadedModel model);
}
