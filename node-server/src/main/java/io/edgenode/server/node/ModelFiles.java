package io.edgenode.server.node;

import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.QuantType;
import io.edgenode.core.llama.SyntheticModels;
import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.node.ModelUnavailableException.Reason;
import io.edgenode.store.synth.ModelPreset;
import io.edgenode.store.synth.SyntheticModelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Thread-safe, called on load and admin threads and never under the registry's lock (its methods
 * stat, read, write and wait for files; only {@link #progress} never blocks): the configured
 * models' files, present on disk, created from a synthetic preset, or downloaded through the
 * {@link ModelFetcher}, and the memory estimates read from them. Running downloads sit in a
 * concurrent map, at most one per model, each with its {@link ProgressBroadcaster}.
 */
final class ModelFiles implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ModelFiles.class.getName());

    private final LlamaLibrary library;
    private final ModelFetcher fetcher;
    private final Map<String, ProgressBroadcaster> downloads = new ConcurrentHashMap<>();
    private final Map<String, ModelMemory> estimates = new ConcurrentHashMap<>();
    /** One synthetic creation at a time: two models may name the same file (and its temporary sibling). */
    private final Object syntheticLock = new Object();

    ModelFiles(LlamaLibrary library, ModelFetcher fetcher) {
        this.library = library;
        this.fetcher = fetcher;
    }

    /**
     * The model's file when it is on disk or synthetic (created now when missing); empty when it
     * must be downloaded from its source ({@link #download}).
     *
     * @throws ModelUnavailableException missing with no source, or the synthetic model cannot be written
     */
    Optional<Path> local(ModelSpec spec) throws ModelUnavailableException {
        if (Files.isRegularFile(spec.path())) {
            return Optional.of(spec.path());
        }
        if (spec.synthetic().isPresent()) {
            var s = spec.synthetic().get();
            try {
                synchronized (syntheticLock) {
                    if (!Files.isRegularFile(spec.path())) {
                        LOG.log(System.Logger.Level.INFO, "creating synthetic model {0} ({1}, {2})", spec.path(),
                                s.preset(), s.quant());
                        SyntheticModels.write(library, ModelPreset.fromName(s.preset()), QuantType.parse(s.quant()),
                                SyntheticModelBuilder.DEFAULT_SEED, null, spec.path(), 0);
                    }
                }
            } catch (IOException | RuntimeException e) {
                throw new ModelUnavailableException(Reason.LOAD_FAILED, "model " + spec.id()
                        + ": cannot create the synthetic model " + spec.path() + ": " + message(e));
            }
            return Optional.of(spec.path());
        }
        if (spec.source().isEmpty()) {
            throw new ModelUnavailableException(Reason.LOAD_FAILED, "model " + spec.id() + " failed to load: "
                    + spec.path() + " does not exist (and the model has no source to download it from)");
        }
        return Optional.empty();
    }

    /**
     * Joins the model's download, starting it when none runs, without watching its progress; the
     * future completes with the verified file. For a model with a {@code source}.
     */
    CompletableFuture<Path> download(ModelSpec spec) {
        ProgressBroadcaster.Subscription s = join(spec, p -> { });
        s.close(); // only the result is wanted
        return s.result();
    }

    /**
     * Downloads {@code spec}'s file when it is missing; {@code watcher} hears the progress and one
     * final event ({@code DONE} or {@code FAILED}). A download already under way is joined.
     * Cancelling the returned future (its own, not the download's) stops {@code watcher}'s events.
     */
    CompletableFuture<Path> pull(ModelSpec spec, Consumer<FetchProgress> watcher) {
        if (!downloads.containsKey(spec.id())) {
            if (Files.isRegularFile(spec.path())) {
                long size = size(spec.path());
                watcher.accept(new FetchProgress(spec.id(), size, size, FetchProgress.State.DONE, Optional.empty()));
                return CompletableFuture.completedFuture(spec.path());
            }
            if (spec.source().isEmpty()) {
                String why = spec.path() + " does not exist and model " + spec.id() + " has no source";
                watcher.accept(new FetchProgress(spec.id(), 0, -1, FetchProgress.State.FAILED, Optional.of(why)));
                return CompletableFuture.failedFuture(new IOException(why));
            }
        }
        return join(spec, watcher).result();
    }

    /** Subscribes to the model's running download, or registers a new one and starts it. */
    private ProgressBroadcaster.Subscription join(ModelSpec spec, Consumer<FetchProgress> watcher) {
        ProgressBroadcaster fresh = new ProgressBroadcaster(spec.id());
        ProgressBroadcaster running = downloads.putIfAbsent(spec.id(), fresh);
        if (running != null) {
            return running.subscribe(watcher);
        }
        ProgressBroadcaster.Subscription s = fresh.subscribe(watcher);
        start(spec, fresh);
        return s;
    }

    /** Runs on the thread that registered the download; the fetcher reports on its own threads. */
    private void start(ModelSpec spec, ProgressBroadcaster broadcast) {
        CompletableFuture<Path> fetched;
        if (Files.isRegularFile(spec.path())) {
            // A download that ended between the caller's look and the registration published it.
            fetched = CompletableFuture.completedFuture(spec.path());
        } else {
            try {
                fetched = fetcher.fetch(spec, broadcast::progress);
            } catch (RuntimeException e) {
                fetched = CompletableFuture.failedFuture(e);
            }
        }
        fetched.whenComplete((path, error) -> {
            long size = path != null ? size(path) : -1;
            // Out of the map first: a pull from now on finds the published file (or starts afresh).
            downloads.remove(spec.id(), broadcast);
            if (error == null) {
                broadcast.complete(path, size);
            } else {
                broadcast.fail(unwrap(error));
            }
        });
    }

    /** The running download's last event; empty when none runs. Never blocks: safe under any lock. */
    Optional<FetchProgress> progress(String id) {
        ProgressBroadcaster b = downloads.get(id);
        return b == null ? Optional.empty() : b.current();
    }

    /** How many watchers hear {@code id}'s running download (0 when none runs). */
    int watchers(String id) {
        ProgressBroadcaster b = downloads.get(id);
        return b == null ? 0 : b.watcherCount();
    }

    /**
     * The memory {@code spec} would take, from its file's GGUF facts (blocking I/O the first time;
     * empty while the file is missing or unreadable).
     */
    Optional<ModelMemory> estimate(ModelSpec spec) {
        try {
            return Files.isRegularFile(spec.path()) ? Optional.of(memoryOf(spec)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Cached per model: reading a real model's metadata (its vocabulary arrays) takes milliseconds. */
    ModelMemory memoryOf(ModelSpec spec) throws IOException {
        ModelMemory m = estimates.get(spec.id());
        if (m == null) {
            m = ModelMemory.of(spec.path(), spec);
            estimates.put(spec.id(), m);
        }
        return m;
    }

    /** Closes the fetcher, which cancels running downloads. */
    @Override
    public void close() {
        try {
            fetcher.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "closing the downloader failed: " + e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    static String message(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
