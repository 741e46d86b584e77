package io.edgenode.server.node;

import io.edgenode.core.embed.BatchingEmbedder;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.server.config.EmbeddingModelSpec;
import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.config.NodeConfig;
import io.edgenode.server.config.RoutingSettings;
import io.edgenode.server.node.ModelUnavailableException.Reason;
import io.edgenode.store.pull.ModelPuller;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Thread-safe, with no lock of its own: the node's model registry, a facade over its parts. The
 * one lock is {@link ModelSlots}', which guards bookkeeping only (no file I/O, no native call, no
 * waiting happens under it); {@link ModelFiles} stats, creates and downloads files,
 * {@link ModelLoader} opens models and starts engines on a virtual thread per load, and
 * {@link KeepAliveReaper}'s daemon thread unloads idle models.
 *
 * <p>Life of a model: {@code AVAILABLE} (configured, not in memory) -> {@code DOWNLOADING} (file
 * missing, has a {@code source}) -> {@code LOADING} -> {@code LOADED} -> back to
 * {@code AVAILABLE} when unloaded (keep-alive expired, evicted for another model, admin), or
 * {@code FAILED} (the next request or load tries again). Preloaded models load at start and are
 * never evicted.
 *
 * <p>Memory: a model is admitted only when its {@link ModelMemory} estimate fits the budget
 * beside the models already resident (loaded or loading); idle models that are not preloaded are
 * evicted least recently used first to make room, and otherwise the load fails with a message
 * giving the numbers. A model is idle when it holds no lease: {@link #acquire} takes one, and the
 * caller returns it with {@link #release} once its generation is complete, so a model is never
 * unloaded under a running or queued generation.
 */
public final class ModelHost implements AutoCloseable {
    /** Share of physical memory used as the budget when models.yaml sets none. */
    static final double DEFAULT_BUDGET_SHARE = 0.75;

    private final NodeConfig config;
    private final long budgetBytes;
    private final ModelSlots slots;
    private final ModelFiles files;
    private final ModelLoader loader;
    private final KeepAliveReaper reaper;
    private final EmbeddingModels embeddings;

    /** A registry that downloads missing files of models with a {@code source} through a {@link PullerFetcher}. */
    public ModelHost(LlamaLibrary library, NodeConfig config) {
        this(library, config, new PullerFetcher(new ModelPuller()));
    }

    /**
     * @param fetcher downloads files of models that have a {@code source}
     */
    public ModelHost(LlamaLibrary library, NodeConfig config, ModelFetcher fetcher) {
        this.config = config;
        long configured = config.server().memoryBudgetBytes();
        this.budgetBytes = configured > 0 ? configured : defaultBudget();
        this.slots = new ModelSlots(config.models());
        this.files = new ModelFiles(library, fetcher);
        this.loader = new ModelLoader(library, slots, files, budgetBytes);
        this.reaper = new KeepAliveReaper(slots);
        this.embeddings = new EmbeddingModels(config.embeddingModels(), new EmbeddingModels.Budget() {
            @Override
            public void reserve(String id, long bytes) throws ModelUnavailableException {
                for (LoadedModel m : slots.reservePinned(id, bytes, budgetBytes)) {
                    ModelLoader.free(m, "evicted to make room for embedding model " + id);
                }
            }

            @Override
            public void release(String id) {
                slots.releasePinned(id);
            }
        }, library);
    }

    /** {@value #DEFAULT_BUDGET_SHARE} of physical memory (the rest: the JVM, the OS, other processes). */
    static long defaultBudget() {
        long total = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize() : 0;
        return total > 0 ? (long) (total * DEFAULT_BUDGET_SHARE) : 8L << 30;
    }

    /** The memory budget in bytes. */
    public long budgetBytes() {
        return budgetBytes;
    }

    /** What each model holds of the budget now (estimates reserved for loading and loaded models), by id. */
    public java.util.Map<String, Long> reservedBytes() {
        return slots.reservations();
    }

    /** Starts loading the preloaded models and the embedding models in the background. */
    public void startLoading() {
        embeddings.startLoading();
        for (ModelSpec spec : config.models()) {
            if (spec.preload()) {
                load(spec.id());
            }
        }
    }

    // ---- using a model ------------------------------------------------------------------------

    /**
     * The loaded model {@code id} with a lease on it (it stays loaded until {@link #release}):
     * loads it first (downloading its file when missing) when needed, waiting up to {@code wait}.
     *
     * @throws ModelUnavailableException the load failed, does not fit the budget, or took longer
     *     than {@code wait}
     * @throws IllegalArgumentException {@code id} is not a configured model id
     */
    public LoadedModel acquire(String id, Duration wait) throws ModelUnavailableException, InterruptedException {
        ModelSpec spec = slots.spec(id);
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            CompletableFuture<LoadedModel> pending;
            switch (slots.lease(id)) {
                case ModelSlots.Leased leased -> {
                    return leased.model();
                }
                case ModelSlots.Waiting waiting -> pending = started(spec, waiting);
            }
            try {
                pending.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new ModelUnavailableException(Reason.LOAD_TIMEOUT, "model " + id + " is still "
                        + status(id).state().wireName() + " after " + wait.toSeconds() + " s; try again later");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof ModelUnavailableException u) {
                    throw new ModelUnavailableException(u.reason(), u.getMessage());
                }
                throw new ModelUnavailableException(Reason.LOAD_FAILED, "model " + id + " failed to load: "
                        + e.getCause().getMessage());
            }
            // loaded: take the lease (loop), unless it was unloaded in between
        }
    }

    /** Starts the load when this caller's claim began it (after the slots' lock is released). */
    private CompletableFuture<LoadedModel> started(ModelSpec spec, ModelSlots.Waiting waiting) {
        if (waiting.mustStart()) {
            loader.start(spec, waiting.load());
        }
        return waiting.load();
    }

    /** Returns a lease taken by {@link #acquire}; the model's keep-alive counts from now when it is idle. */
    public void release(LoadedModel model) {
        slots.release(model);
    }

    /** Loads {@code id} unless it is loaded or loading (admin); the future completes when it is loaded. */
    public CompletableFuture<LoadedModel> load(String id) {
        ModelSpec spec = slots.spec(id);
        return switch (slots.claimLoad(id)) {
            case ModelSlots.Leased loaded -> CompletableFuture.completedFuture(loaded.model());
            case ModelSlots.Waiting waiting -> started(spec, waiting);
        };
    }

    /** What {@link #unload} did. */
    public enum UnloadResult { UNLOADED, NOT_LOADED, BUSY, LOADING }

    /** Unloads {@code id} when it is loaded and idle (admin); a busy or loading model is left alone. */
    public UnloadResult unload(String id) {
        ModelSlots.Unload u = slots.unloadIdle(id);
        if (u.victim() != null) {
            ModelLoader.free(u.victim(), "unloaded on request");
        }
        return u.result();
    }

    /**
     * Downloads {@code id}'s file when it is missing (admin); {@code watcher} hears the progress and
     * one final event ({@code DONE} or {@code FAILED}). A download already under way is joined: one
     * download per model, any number of watchers. The returned future is this caller's own:
     * cancelling it stops {@code watcher}'s events and leaves the download running. Blocking (file
     * checks): call it off the event loop. {@code watcher} must not block.
     */
    public CompletableFuture<Path> pull(String id, Consumer<FetchProgress> watcher) {
        return files.pull(slots.spec(id), watcher);
    }

    // ---- lookups ------------------------------------------------------------------------------

    /**
     * Ready when every preloaded model has loaded and none of them has failed since (one unloaded
     * by keep-alive or admin still counts: it loads again on demand).
     */
    public boolean isReady() {
        return slots.isReady() && embeddings.allLoaded();
    }

    /** Waits for the preloaded and embedding models (tests, scripts); true when ready. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        slots.awaitPreloads(timeout);
        embeddings.awaitLoads(Duration.ofNanos(Math.max(0, until - System.nanoTime())));
        return isReady();
    }

    // ---- embedding models -----------------------------------------------------------------------

    /** The embedding model called {@code name} (id or alias), if configured. */
    public Optional<EmbeddingModelSpec> embeddingSpec(String name) {
        return embeddings.spec(name);
    }

    /**
     * The embedding model {@code spec} in service, waiting up to {@code wait} while it loads (a
     * failed load is tried again). Blocking: call it off the event loop.
     *
     * @throws ModelUnavailableException the load failed, does not fit the budget, or took too long
     */
    public BatchingEmbedder embedder(EmbeddingModelSpec spec, Duration wait)
            throws ModelUnavailableException, InterruptedException {
        return embeddings.await(spec, wait).embedder();
    }

    /** The model called {@code name} (id or alias), if configured. */
    public Optional<ModelSpec> spec(String name) {
        return config.model(name);
    }

    /** How scheduled work runs ({@code jobs:} in models.yaml). */
    public io.edgenode.server.config.JobSettings jobSettings() {
        return config.jobs();
    }

    /** How {@code "model": "auto"} routes (models.yaml {@code server.routing}). */
    public RoutingSettings routing() {
        return config.server().routing();
    }

    public List<ModelSpec> specs() {
        return config.models();
    }

    /** The model {@code id} if it is loaded now (no lease: for metrics and tests). */
    public Optional<LoadedModel> loaded(String id) {
        return slots.loaded(id);
    }

    /** Why the last load of {@code id} failed, while it stays failed. */
    public Optional<String> failure(String id) {
        return slots.failure(id);
    }

    public List<LoadedModel> loadedModels() {
        return slots.loadedModels();
    }

    /**
     * The memory {@code spec} would take, from its file's GGUF facts (blocking I/O the first time;
     * empty while the file is missing or unreadable).
     */
    public Optional<ModelMemory> estimate(ModelSpec spec) {
        return files.estimate(spec);
    }

    /** {@code id}'s status (a generation or an embedding model's id). */
    public ModelStatus status(String id) {
        if (embeddings.spec(id).filter(e -> e.id().equals(id)).isPresent()) {
            return embeddings.statuses().stream().filter(st -> st.id().equals(id)).findFirst().orElseThrow();
        }
        return withDownload(slots.status(id));
    }

    /** Every configured model's status: the generation models in file order, then the embedding models. */
    public List<ModelStatus> statuses() {
        List<ModelStatus> all = new ArrayList<>(slots.statuses().stream().map(this::withDownload).toList());
        all.addAll(embeddings.statuses());
        return all;
    }

    /** A running download (a load's or an admin pull's) shows as {@code DOWNLOADING} with its progress. */
    private ModelStatus withDownload(ModelStatus s) {
        return files.progress(s.id())
                .map(p -> new ModelStatus(s.id(), ModelStatus.State.DOWNLOADING, OptionalDouble.of(p.fraction()),
                        Optional.empty(), 0))
                .orElse(s);
    }

    // ---- shutdown -----------------------------------------------------------------------------

    /** Lets running generations finish until {@code deadline}, then cancels them and frees everything. */
    public boolean shutdown(Duration deadline) {
        embeddings.close();
        Optional<List<LoadedModel>> detached = slots.close();
        if (detached.isEmpty()) {
            return true;
        }
        List<LoadedModel> all = new ArrayList<>(detached.get());
        reaper.close();
        long until = System.nanoTime() + deadline.toNanos();
        boolean drained = true;
        for (LoadedModel m : all) {
            long left = Math.max(0, until - System.nanoTime());
            drained &= m.engine().shutdown(Duration.ofNanos(left));
        }
        for (LoadedModel m : all) {
            m.model().close();
        }
        files.close();
        return drained;
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
