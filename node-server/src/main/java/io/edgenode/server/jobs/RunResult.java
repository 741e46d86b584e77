package io.edgenode.server.jobs;

/**
 * How an action ended: OK, or FAILED with a reason that is stored with the run (short, no secrets). Immutable.
 */
public record RunResult(boolean succeeded, String error) {
    private static final RunResult OK = new RunResult(true, null);

    public RunResult {
        if (!succeeded && (error == null || error.isBlank())) {
            throw new IllegalArgumentException("a failed run needs a reason");
        }
        if (succeeded && error != null) {
            throw new IllegalArgumentException("an OK run has no error");
        }
    }

    public static RunResult ok() {
        return OK;
    }

    public static RunResult failed(String error) {
        return new RunResult(false, error);
    }
}
