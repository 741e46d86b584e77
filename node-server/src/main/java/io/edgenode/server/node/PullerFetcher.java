package io.edgenode.server.node;

import io.edgenode.server.config.ModelSpec;
import io.edgenode.store.pull.ModelPuller;
import io.edgenode.store.pull.ModelSource;
import io.edgenode.store.pull.PullProgress;
import io.edgenode.store.pull.PullRequest;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The registry's downloader: model-store's {@link ModelPuller} (resume, sha256 check, atomic
 * publish, the Hugging Face token only to Hugging Face). Thread-safe, as the puller is; closing
 * it cancels running downloads.
 */
public final class PullerFetcher implements ModelFetcher {
    private final ModelPuller puller;

    public PullerFetcher(ModelPuller puller) {
        this.puller = Objects.requireNonNull(puller, "puller");
    }

    @Override
    public CompletableFuture<Path> fetch(ModelSpec spec, Consumer<FetchProgress> progress) {
        String source = spec.source().orElseThrow(() -> new IllegalArgumentException("model " + spec.id()
                + " has no source"));
        PullRequest request = new PullRequest(ModelSource.parse(source), spec.path(), spec.sha256());
        return puller.pull(request, p -> progress.accept(map(spec.id(), p)));
    }

    private static FetchProgress map(String id, PullProgress p) {
        return new FetchProgress(id, p.bytesDone(), p.totalBytes(), switch (p.state()) {
            case STARTING -> FetchProgress.State.STARTING;
            case DOWNLOADING -> FetchProgress.State.DOWNLOADING;
            case VERIFYING -> FetchProgress.State.VERIFYING;
            case DONE -> FetchProgress.State.DONE;
            case FAILED -> FetchProgress.State.FAILED;
        }, p.error());
    }

    @Override
    public void close() {
        puller.close();
    }
}
