/**
 * The request pipeline's vocabulary, free of HTTP: what a planned generation is
 * ({@link io.edgenode.server.pipeline.GenerationPlan}), who plans it for a candidate model
 * ({@link io.edgenode.server.pipeline.Planner}), and what a plan holds until its generation ends
 * ({@link io.edgenode.server.pipeline.TurnHook}). The HTTP runner ({@code server.http.GenerationPipeline})
 * executes the stages; sessions ({@code server.session}) plan their turns here without knowing HTTP.
 */
package io.edgenode.server.pipeline;
