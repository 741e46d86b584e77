package io.edgenode.server.node;

import io.edgenode.server.config.ModelSpec;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Downloads a model's file from its {@code source} to its {@code path}, checking its
 * {@code sha256} when the spec has one. The registry calls it at most once at a time per model;
 * implementations are thread-safe.
 */
public interface ModelFetcher extends AutoCloseable {
    /**
     * Starts the download. The future completes with the file's path once it is complete and
     * verified, or exceptionally with the reason; {@code progress} hears every step on any thread.
     */
    CompletableFuture<Path> fetch(ModelSpec spec, Consumer<FetchProgress> progress);

    @Override
    default void close() {}

    /** A node without a downloader: every fetch fails with a message that says so. */
    ModelFetcher NONE = (spec, progress) -> CompletableFuture.failedFuture(new java.io.IOException(
            "model file " + spec.path() + " is missing and this node has no downloader"));
}
