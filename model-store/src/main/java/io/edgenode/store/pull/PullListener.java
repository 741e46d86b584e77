package io.edgenode.store.pull;

/**
 * Receives a pull's progress. Called from the download's thread, often (every few tens of
 * milliseconds while bytes flow, and at every state change): implementations must be cheap and
 * must not block. One that throws is logged and dropped; the download goes on.
 */
@FunctionalInterface
public interface PullListener {
    /** A listener that ignores progress. */
    PullListener NONE = progress -> {};

    void onProgress(PullProgress progress);
}
