package io.edgenode.server.node;

import io.edgenode.core.chat.ChatTemplate;
import io.edgenode.core.chat.ChatTemplateException;
import io.edgenode.core.engine.Engine;
import io.edgenode.core.engine.EngineConfig;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.LlamaModel;
import io.edgenode.core.llama.ModelParams;
import io.edgenode.core.llama.QuantType;
import io.edgenode.core.llama.SyntheticModels;
import io.edgenode.core.llama.Vocab;
import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.config.NodeConfig;
import io.edgenode.server.node.ModelUnavailableException.Reason;
import io.edgenode.store.synth.ModelPreset;
import io.edgenode.store.synth.SyntheticModelBuilder;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The node's model registry. Thread-safe: every model's state lives in a {@link Slot} guarded by
 * one lock, held only for bookkeeping; files, downloads, loads and unloads run outside it (loads
 * on a virtual thread per model, keep-alive checks on one daemon thread).
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
    private static final System.Logger LOG = System.getLogger(ModelHost.class.getName());
    /** Share of physical memory used as the budget when models.yaml sets none. */
    static final double DEFAULT_BUDGET_SHARE = 0.75;
    private static final long REAPER_TICK_MILLIS = 200;

    private final LlamaLibrary library;
    private final NodeConfig config;
    private final ModelFetcher fetcher;
    private final long budgetBytes;
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final Map<String, ModelMemory> estimates = new java.util.concurrent.ConcurrentHashMap<>();
    private final Object lock = new Object();
    private final Object syntheticLock = new Object();
    private final CountDownLatch preloadsDone;
    private final ScheduledExecutorService reaper;
    private boolean closed; // guarded by lock

    /** The state of one configured model. Guarded by {@code lock}, except the final fields. */
    private static final class Slot {
        final ModelSpec spec;
        ModelStatus.State state = ModelStatus.State.AVAILABLE;
        LoadedModel loaded;
        /** Non-null while a load (download included) is under way. */
        CompletableFuture<LoadedModel> loading;
        /** Non-null while the file downloads. */
        CompletableFuture<Path> download;
        volatile FetchProgress progress;
        final List<Consumer<FetchProgress>> watchers = new CopyOnWriteArrayList<>();
        String error;
        long reservedBytes;
        int leases;
        long lastUsedNanos;
        boolean everLoaded;
        boolean preloadCounted;

        Slot(ModelSpec spec) {
            this.spec = spec;
        }
    }

    /** A registry that downloads missing files of models with a {@code source} through a {@link PullerFetcher}. */
    public ModelHost(LlamaLibrary library, NodeConfig config) {
        this(library, config, new PullerFetcher(new io.edgenode.store.pull.ModelPuller()));
    }

    /**
     * @param fetcher downloads files of models that have a {@code source}
     */
    public ModelHost(LlamaLibrary library, NodeConfig config, ModelFetcher fetcher) {
        this.library = library;
        this.config = config;
        this.fetcher = fetcher;
        long configured = config.server().memoryBudgetBytes();
        this.budgetBytes = configured > 0 ? configured : defaultBudget();
        for (ModelSpec spec : config.models()) {
            slots.put(spec.id(), new Slot(spec));
        }
        this.preloadsDone = new CountDownLatch((int) config.models().stream().filter(ModelSpec::preload).count());
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "edgenode-keep-alive");
            t.setDaemon(true);
            return t;
        });
        reaper.scheduleWithFixedDelay(this::unloadExpired, REAPER_TICK_MILLIS, REAPER_TICK_MILLIS, TimeUnit.MILLISECONDS);
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

    /** Starts loading the preloaded models in the background. */
    public void startLoading() {
        for (ModelSpec spec : config.models()) {
            if (spec.preload()) {
                synchronized (lock) {
                    startLoadLocked(slots.get(spec.id()));
                }
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
        Slot slot = slot(id);
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            CompletableFuture<LoadedModel> pending;
            synchronized (lock) {
                if (closed) {
                    throw new ModelUnavailableException(Reason.SHUT_DOWN, "the node is shutting down");
                }
                if (slot.state == ModelStatus.State.LOADED) {
                    slot.leases++;
                    slot.lastUsedNanos = System.nanoTime();
                    return slot.loaded;
                }
                pending = slot.loading != null ? slot.loading : startLoadLocked(slot);
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
            // loaded: take the lease under the lock (loop), unless it was unloaded in between
        }
    }

    /** Returns a lease taken by {@link #acquire}; the model's keep-alive counts from now when it is idle. */
    public void release(LoadedModel model) {
        synchronized (lock) {
            Slot slot = slots.get(model.id());
            if (slot.loaded == model && slot.leases > 0) {
                slot.leases--;
                slot.lastUsedNanos = System.nanoTime();
            }
        }
    }

    /** Loads {@code id} unless it is loaded or loading (admin); the future completes when it is loaded. */
    public CompletableFuture<LoadedModel> load(String id) {
        Slot slot = slot(id);
        synchronized (lock) {
            if (slot.state == ModelStatus.State.LOADED) {
                return CompletableFuture.completedFuture(slot.loaded);
            }
            return slot.loading != null ? slot.loading : startLoadLocked(slot);
        }
    }

    /** What {@link #unload} did. */
    public enum UnloadResult { UNLOADED, NOT_LOADED, BUSY, LOADING }

    /** Unloads {@code id} when it is loaded and idle (admin); a busy or loading model is left alone. */
    public UnloadResult unload(String id) {
        Slot slot = slot(id);
        LoadedModel victim;
        synchronized (lock) {
            if (slot.loading != null) {
                return UnloadResult.LOADING;
            }
            if (slot.state != ModelStatus.State.LOADED) {
                return UnloadResult.NOT_LOADED;
            }
            if (slot.leases > 0) {
                return UnloadResult.BUSY;
            }
            victim = detachLocked(slot);
        }
        free(victim, "unloaded on request");
        return UnloadResult.UNLOADED;
    }

    /**
     * Downloads {@code id}'s file when it is missing (admin); {@code watcher} hears the progress and
     * one final event ({@code DONE} or {@code FAILED}). A download already under way is joined.
     */
    public CompletableFuture<Path> pull(String id, Consumer<FetchProgress> watcher) {
        Slot slot = slot(id);
        synchronized (lock) {
            return downloadLocked(slot, watcher);
        }
    }

    // ---- loading ------------------------------------------------------------------------------

    private CompletableFuture<LoadedModel> startLoadLocked(Slot slot) {
        CompletableFuture<LoadedModel> f = new CompletableFuture<>();
        slot.loading = f;
        slot.state = ModelStatus.State.LOADING;
        slot.error = null;
        Thread.ofVirtual().name("load-" + slot.spec.id()).start(() -> runLoad(slot, f));
        return f;
    }

    private void runLoad(Slot slot, CompletableFuture<LoadedModel> f) {
        ModelSpec spec = slot.spec;
        try {
            Path file = ensureFile(slot);
            ModelMemory memory;
            try {
                memory = memoryOf(spec);
            } catch (IOException | RuntimeException e) {
                throw new ModelUnavailableException(Reason.LOAD_FAILED, "model " + spec.id() + " failed to load: "
                        + "cannot read " + file + ": " + message(e));
            }
            List<LoadedModel> evicted = new ArrayList<>();
            synchronized (lock) {
                if (closed) {
                    throw new ModelUnavailableException(Reason.SHUT_DOWN, "the node is shutting down");
                }
                List<MemoryBudget.Resident> residents = new ArrayList<>();
                for (Slot s : slots.values()) {
                    if (s != slot && s.reservedBytes > 0) {
                        residents.add(new MemoryBudget.Resident(s.spec.id(), s.reservedBytes,
                                s.state == ModelStatus.State.LOADED && s.leases == 0 && !s.spec.preload(),
                                s.lastUsedNanos));
                    }
                }
                switch (MemoryBudget.plan(spec.id(), memory.totalBytes(), budgetBytes, residents)) {
                    case MemoryBudget.Refused r -> throw new ModelUnavailableException(Reason.OVER_BUDGET, r.message());
                    case MemoryBudget.Fits fits -> {
                        for (String id : fits.evict()) {
                            evicted.add(detachLocked(slots.get(id)));
                        }
                    }
                }
                slot.reservedBytes = memory.totalBytes();
            }
            for (LoadedModel m : evicted) {
                free(m, "evicted to make room for " + spec.id());
            }
            LoadedModel loaded = open(spec, file);
            synchronized (lock) {
                if (!closed) {
                    slot.loaded = loaded;
                    slot.state = ModelStatus.State.LOADED;
                    slot.loading = null;
                    slot.lastUsedNanos = System.nanoTime();
                    slot.everLoaded = true;
                    loaded = null;
                }
            }
            if (loaded != null) {
                free(loaded, "closed at shutdown");
                throw new ModelUnavailableException(Reason.SHUT_DOWN, "the node is shutting down");
            }
            LOG.log(System.Logger.Level.INFO, "model {0} loaded from {1} ({2} MiB estimated: weights {3}, KV {4},"
                    + " compute {5})", spec.id(), file, ModelMemory.mib(memory.totalBytes()),
                    ModelMemory.mib(memory.weightsBytes()), ModelMemory.mib(memory.kvCacheBytes()),
                    ModelMemory.mib(memory.computeBytes()));
            f.complete(slot.loaded);
        } catch (ModelUnavailableException e) {
            fail(slot, f, e);
        } catch (RuntimeException e) {
            fail(slot, f, new ModelUnavailableException(Reason.LOAD_FAILED, "model " + spec.id() + " failed to load: "
                    + message(e)));
        } finally {
            synchronized (lock) {
                if (spec.preload() && !slot.preloadCounted) {
                    slot.preloadCounted = true;
                    preloadsDone.countDown();
                }
            }
        }
    }

    private void fail(Slot slot, CompletableFuture<LoadedModel> f, ModelUnavailableException e) {
        synchronized (lock) {
            slot.state = ModelStatus.State.FAILED;
            slot.error = e.getMessage();
            slot.loading = null;
            slot.reservedBytes = 0;
        }
        LOG.log(System.Logger.Level.ERROR, e.getMessage());
        f.completeExceptionally(e);
    }

    /** The model's file: present, created from its synthetic preset, or downloaded from its source. */
    private Path ensureFile(Slot slot) throws ModelUnavailableException {
        ModelSpec spec = slot.spec;
        if (Files.isRegularFile(spec.path())) {
            return spec.path();
        }
        if (spec.synthetic().isPresent()) {
            var s = spec.synthetic().get();
            // One creation at a time: two models may name the same file (and its temporary sibling).
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
            return spec.path();
        }
        if (spec.source().isEmpty()) {
            throw new ModelUnavailableException(Reason.LOAD_FAILED, "model " + spec.id() + " failed to load: "
                    + spec.path() + " does not exist (and the model has no source to download it from)");
        }
        CompletableFuture<Path> download;
        synchronized (lock) {
            slot.state = ModelStatus.State.DOWNLOADING;
            download = downloadLocked(slot, p -> { });
        }
        try {
            Path file = download.get();
            synchronized (lock) {
                slot.state = ModelStatus.State.LOADING;
            }
            return file;
        } catch (ExecutionException e) {
            throw new ModelUnavailableException(Reason.LOAD_FAILED, "model " + spec.id() + ": download from "
                    + spec.source().get() + " failed: " + message(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelUnavailableException(Reason.LOAD_FAILED, "model " + spec.id() + ": interrupted");
        }
    }

    private CompletableFuture<Path> downloadLocked(Slot slot, Consumer<FetchProgress> watcher) {
        ModelSpec spec = slot.spec;
        if (slot.download != null) {
            slot.watchers.add(watcher);
            if (slot.progress != null) {
                watcher.accept(slot.progress);
            }
            return slot.download;
        }
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
        slot.watchers.add(watcher);
        slot.progress = new FetchProgress(spec.id(), 0, -1, FetchProgress.State.STARTING, Optional.empty());
        watcher.accept(slot.progress);
        CompletableFuture<Path> started;
        try {
            started = fetcher.fetch(spec, p -> {
                // The final event is ours (below), sent once whatever the fetcher reports.
                if (!p.isFinal()) {
                    slot.progress = p;
                    slot.watchers.forEach(w -> w.accept(p));
                }
            });
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Path> download = started.whenComplete((path, error) -> {
            long size = path != null ? size(path) : -1;
            FetchProgress last = error == null
                    ? new FetchProgress(spec.id(), size, size, FetchProgress.State.DONE, Optional.empty())
                    : new FetchProgress(spec.id(), slot.progress == null ? 0 : slot.progress.bytesDone(), -1,
                            FetchProgress.State.FAILED, Optional.of(message(unwrap(error))));
            List<Consumer<FetchProgress>> watchers;
            synchronized (lock) {
                slot.download = null;
                slot.progress = null;
                watchers = List.copyOf(slot.watchers);
                slot.watchers.clear();
            }
            watchers.forEach(w -> w.accept(last));
        });
        slot.download = download.isDone() ? null : download;
        return download;
    }

    /** Opens the file, builds its template and starts its engine. */
    private LoadedModel open(ModelSpec spec, Path file) {
        LlamaModel model = LlamaModel.load(library, file, ModelParams.defaults().withGpuLayers(spec.gpuLayers()));
        try {
            Vocab vocab = model.vocab();
            String bos = specialText(vocab, vocab.bos());
            String eos = specialText(vocab, vocab.eos());
            ChatTemplate template;
            try {
                template = ChatTemplate.of(model.chatTemplate(), bos, eos);
            } catch (ChatTemplateException e) {
                // As llama-server does: a template we cannot run is replaced, not fatal.
                LOG.log(System.Logger.Level.WARNING, "model {0}: {1}; using the ChatML fallback", spec.id(),
                        e.getMessage());
                template = ChatTemplate.fallback(bos, eos);
            }
            EngineConfig engineConfig = new EngineConfig(spec.parallel(), spec.contextSize(), spec.maxBatchTokens(),
                    spec.maxQueue(), spec.threads(), 0, spec.contextSize() / spec.parallel());
            Engine engine = Engine.start(model, engineConfig, spec.kvType());
            return new LoadedModel(spec, model, engine, template, System.currentTimeMillis() / 1000);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static String specialText(Vocab vocab, int token) {
        if (token < 0 || token >= vocab.size()) {
            return "";
        }
        return new String(vocab.pieceBytes(token, true), StandardCharsets.UTF_8);
    }

    // ---- unloading ----------------------------------------------------------------------------

    /** Takes a loaded, idle model out of service; the caller frees it outside the lock. */
    private LoadedModel detachLocked(Slot slot) {
        LoadedModel m = slot.loaded;
        slot.loaded = null;
        slot.state = ModelStatus.State.AVAILABLE;
        slot.reservedBytes = 0;
        return m;
    }

    /** Stops an idle model's engine and frees its memory. */
    private static void free(LoadedModel m, String why) {
        m.engine().shutdown(Duration.ZERO);
        m.model().close();
        LOG.log(System.Logger.Level.INFO, "model {0} {1}", m.id(), why);
    }

    private void unloadExpired() {
        List<LoadedModel> expired = new ArrayList<>();
        long now = System.nanoTime();
        synchronized (lock) {
            if (closed) {
                return;
            }
            for (Slot s : slots.values()) {
                if (s.state == ModelStatus.State.LOADED && s.leases == 0 && s.spec.keepAlive().isPresent()
                        && now - s.lastUsedNanos >= s.spec.keepAlive().get().toNanos()) {
                    expired.add(detachLocked(s));
                }
            }
        }
        for (LoadedModel m : expired) {
            try {
                free(m, "unloaded after its keep_alive (" + m.spec().keepAlive().get() + ") idle");
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "unloading " + m.id() + " failed", e);
            }
        }
    }

    // ---- lookups ------------------------------------------------------------------------------

    private Slot slot(String id) {
        Slot s = slots.get(id);
        if (s == null) {
            throw new IllegalArgumentException("no model with id " + id);
        }
        return s;
    }

    /**
     * Ready when every preloaded model has loaded and none of them has failed since (one unloaded
     * by keep-alive or admin still counts: it loads again on demand).
     */
    public boolean isReady() {
        synchronized (lock) {
            return slots.values().stream().filter(s -> s.spec.preload())
                    .allMatch(s -> s.everLoaded && s.state != ModelStatus.State.FAILED);
        }
    }

    /** Waits for the preloaded models (tests, scripts); true when ready. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        preloadsDone.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return isReady();
    }

    /** The model called {@code name} (id or alias), if configured. */
    public Optional<ModelSpec> spec(String name) {
        return config.model(name);
    }

    /** How {@code "model": "auto"} routes (models.yaml {@code server.routing}). */
    public io.edgenode.server.config.RoutingSettings routing() {
        return config.server().routing();
    }

    public List<ModelSpec> specs() {
        return config.models();
    }

    /** The model {@code id} if it is loaded now (no lease: for metrics and tests). */
    public Optional<LoadedModel> loaded(String id) {
        synchronized (lock) {
            Slot s = slots.get(id);
            return Optional.ofNullable(s == null ? null : s.loaded);
        }
    }

    /** Why the last load of {@code id} failed, while it stays failed. */
    public Optional<String> failure(String id) {
        synchronized (lock) {
            Slot s = slots.get(id);
            return Optional.ofNullable(s == null || s.state != ModelStatus.State.FAILED ? null : s.error);
        }
    }

    public List<LoadedModel> loadedModels() {
        synchronized (lock) {
            return slots.values().stream().filter(s -> s.loaded != null).map(s -> s.loaded).toList();
        }
    }

    /**
     * The memory {@code spec} would take, from its file's GGUF facts (blocking I/O the first time;
     * empty while the file is missing or unreadable).
     */
    public Optional<ModelMemory> estimate(ModelSpec spec) {
        try {
            return Files.isRegularFile(spec.path()) ? Optional.of(memoryOf(spec)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Cached per model: reading a real model's metadata (its vocabulary arrays) takes milliseconds. */
    private ModelMemory memoryOf(ModelSpec spec) throws IOException {
        ModelMemory m = estimates.get(spec.id());
        if (m == null) {
            m = ModelMemory.of(spec.path(), spec);
            estimates.put(spec.id(), m);
        }
        return m;
    }

    public ModelStatus status(String id) {
        synchronized (lock) {
            return statusLocked(slot(id));
        }
    }

    /** Every configured model's status, in file order. */
    public List<ModelStatus> statuses() {
        synchronized (lock) {
            return slots.values().stream().map(this::statusLocked).toList();
        }
    }

    private ModelStatus statusLocked(Slot s) {
        if (s.download != null) {
            FetchProgress p = s.progress;
            return new ModelStatus(s.spec.id(), ModelStatus.State.DOWNLOADING,
                    OptionalDouble.of(p == null ? 0 : p.fraction()), Optional.empty(), 0);
        }
        return new ModelStatus(s.spec.id(), s.state, OptionalDouble.empty(),
                s.state == ModelStatus.State.FAILED ? Optional.ofNullable(s.error) : Optional.empty(),
                s.loaded == null ? 0 : s.loaded.createdEpochSeconds());
    }

    // ---- shutdown -----------------------------------------------------------------------------

    /** Lets running generations finish until {@code deadline}, then cancels them and frees everything. */
    public boolean shutdown(Duration deadline) {
        List<LoadedModel> all = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return true;
            }
            closed = true;
            for (Slot s : slots.values()) {
                if (s.loaded != null) {
                    all.add(detachLocked(s));
                }
            }
        }
        reaper.shutdownNow();
        long until = System.nanoTime() + deadline.toNanos();
        boolean drained = true;
        for (LoadedModel m : all) {
            long left = Math.max(0, until - System.nanoTime());
            drained &= m.engine().shutdown(Duration.ofNanos(left));
        }
        for (LoadedModel m : all) {
            m.model().close();
        }
        try {
            fetcher.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "closing the downloader failed: " + e);
        }
        return drained;
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
