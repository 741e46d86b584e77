/**
 * Durable multi-step workflows (issue 17, part 3): a definition of ordered steps ({@link
 * io.edgenode.server.workflow.WorkflowDefinition}, {@link io.edgenode.server.workflow.Step}), the durable record of
 * every workflow, step result and buffered event ({@link io.edgenode.server.workflow.WorkflowStore}, {@code
 * <dataDir>/workflows.db}), the one thread that moves workflows on ({@link io.edgenode.server.workflow.WorkflowEngine})
 * and the facade the HTTP layer calls ({@link io.edgenode.server.workflow.Workflows}). Model turns and HTTP calls are
 * run by a {@link io.edgenode.server.workflow.StepRunner} the server supplies; nothing here knows HTTP.
 */
package io.edgenode.server.workflow;
