package io.edgenode.bench.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.bench.common.Stats;
import io.edgenode.server.workflow.StepOutcome;
import io.edgenode.server.workflow.WorkflowListener;
import io.edgenode.server.workflow.WorkflowStatus;
import io.edgenode.server.workflow.Workflows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A workflow step's own overhead (issue 17's benchmark): what the engine and its store add per
 * step (render, persist the start, dispatch, persist the result, move on; every transition is a
 * committed transaction with fsync), measured with a step runner that completes at once. W
 * workflows of S http steps each, started together; per round: wall time / (W x S).
 *
 * <p>Usage: {@code WorkflowBench [workflows=20] [steps=50] [rounds=5]}
 */
public final class WorkflowBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] a) throws Exception {
        int workflows = a.length > 0 ? Integer.parseInt(a[0]) : 20;
        int steps = a.length > 1 ? Integer.parseInt(a[1]) : 50;
        int rounds = a.length > 2 ? Integer.parseInt(a[2]) : 5;
        List<Double> perStepMs = new ArrayList<>();
        List<Double> oneWorkflowPerStepMs = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            perStepMs.add(run(workflows, steps));
            oneWorkflowPerStepMs.add(run(1, steps));
            System.err.printf("round %d: %.2f ms a step (%d at once), %.2f ms a step (one workflow)%n", r + 1,
                    perStepMs.getLast(), workflows, oneWorkflowPerStepMs.getLast());
        }
        System.out.printf("| workflows at once | steps each | ms a step (min / median / max) |%n|---|---|---|%n");
        System.out.printf("| %d | %d | %s |%n", workflows, steps, Stats.mmm(perStepMs, "%.2f"));
        System.out.printf("| 1 | %d | %s |%n", steps, Stats.mmm(oneWorkflowPerStepMs, "%.2f"));
        System.exit(0);
    }

    /** Milliseconds of wall time per step for {@code n} workflows of {@code steps} steps run together. */
    private static double run(int n, int steps) throws Exception {
        Path dir = Files.createTempDirectory("edgenode-workflow-bench");
        CountDownLatch finished = new CountDownLatch(n);
        WorkflowListener listener = new WorkflowListener() {
            @Override
            public void workflowFinished(String workflowId, String sessionId, WorkflowStatus status, String error) {
                finished.countDown();
            }
        };
        ObjectNode body = JSON.createObjectNode();
        var list = body.putObject("definition").putArray("steps");
        for (int i = 0; i < steps; i++) {
            list.addObject().put("id", "s" + i).put("type", "http").put("url", "http://127.0.0.1:9/step/" + i);
        }
        try (Workflows w = Workflows.start(dir, u -> true, s -> true,
                call -> CompletableFuture.completedFuture(new StepOutcome(true, JSON.createObjectNode(), null)),
                listener)) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                w.create(body.deepCopy(), null);
            }
            if (!finished.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("workflows did not finish");
            }
            return (System.nanoTime() - t0) / 1e6 / ((double) n * steps);
        }
    }
}
