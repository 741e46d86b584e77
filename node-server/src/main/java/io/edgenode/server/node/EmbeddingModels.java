package io.edgenode.server.node;

import io.edgenode.core.embed.BatchingEmbedder;
import io.edgenode.core.embed.EmbeddingException;
import io.edgenode.core.embed.BatchableEmbedder;
import io.edgenode.core.embed.InputBatching;
import io.edgenode.core.embed.LlamaEmbedder;
import io.edgenode.core.embed.OnnxEmbedder;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.server.config.EmbeddingModelSpec;
import io.edgenode.server.node.ModelUnavailableException.Reason;
import java.io.IOException;
import java.io.InputStream;
import io.edgenode.store.gguf.GgufFile;
import io.edgenode.store.gguf.GgufModelInfo;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Thread-safe: the node's embedding models ({@code kind: embedding}). Each loads at start on its own
 * virtual thread ({@code load-<id>}: read the files, reserve its {@link EmbeddingMemory} in the
 * node's memory budget, open the ONNX session or, for a {@code .gguf} path, the llama.cpp embeddings
 * context of a {@link LlamaEmbedder}, start its {@link BatchingEmbedder}'s workers) and
 * stays loaded until the node closes: embedding models are small and an index depends on them, so
 * they are never evicted (the budget counts them like preloaded models). A failed load is tried
 * again by the next request.
 *
 * <p>The per-model state is one immutable {@link Loaded} or pending future, swapped atomically.
 */
final class EmbeddingModels implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EmbeddingModels.class.getName());

    /** Takes {@code bytes} of the budget for {@code id} (evicting idle models), or says why not. */
    interface Budget {
        void reserve(String id, long bytes) throws ModelUnavailableException;

        void release(String id);
    }

    /** A model in service. */
    record Loaded(EmbeddingModelSpec spec, BatchingEmbedder embedder, long createdEpochSeconds) {}

    private final Map<String, Slot> slots = new LinkedHashMap<>(); // filled once, then read-only
    private final Budget budget;
    private final LlamaLibrary library;
    private volatile boolean closed;

    /** One model: its current load (null before the first), guarded by the slot's monitor. */
    private static final class Slot {
        final EmbeddingModelSpec spec;
        CompletableFuture<Loaded> load;

        Slot(EmbeddingModelSpec spec) {
            this.spec = spec;
        }
    }

    /** @param library runs the {@code .gguf} models */
    EmbeddingModels(List<EmbeddingModelSpec> specs, Budget budget, LlamaLibrary library) {
        this.budget = budget;
        this.library = library;
        for (EmbeddingModelSpec s : specs) {
            slots.put(s.id(), new Slot(s));
        }
    }

    /** Starts every model's load in the background. */
    void startLoading() {
        slots.values().forEach(this::loadOf);
    }

    /** The spec of the embedding model called {@code name} (id or alias). */
    Optional<EmbeddingModelSpec> spec(String name) {
        return slots.values().stream().map(s -> s.spec).filter(s -> s.answersTo(name)).findFirst();
    }

    /**
     * The model in service, waiting up to {@code wait} for its load (started again if it failed).
     *
     * @throws ModelUnavailableException its load failed, did not fit the budget, or took too long
     */
    Loaded await(EmbeddingModelSpec spec, Duration wait) throws ModelUnavailableException, InterruptedException {
        CompletableFuture<Loaded> load = loadOf(slots.get(spec.id()));
        try {
            return load.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new ModelUnavailableException(Reason.LOAD_TIMEOUT, "embedding model " + spec.id()
                    + " is still loading after " + wait.toSeconds() + " s; try again later");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ModelUnavailableException u) {
                throw new ModelUnavailableException(u.reason(), u.getMessage());
            }
            throw new ModelUnavailableException(Reason.LOAD_FAILED, "embedding model " + spec.id()
                    + " failed to load: " + e.getCause().getMessage());
        }
    }

    /** The current load, or a new one when there is none or the last failed. */
    private CompletableFuture<Loaded> loadOf(Slot slot) {
        synchronized (slot) {
            if (closed) {
                return CompletableFuture.failedFuture(new ModelUnavailableException(Reason.SHUT_DOWN,
                        "the node is shutting down"));
            }
            if (slot.load != null && !slot.load.isCompletedExceptionally()) {
                return slot.load;
            }
            CompletableFuture<Loaded> load = new CompletableFuture<>();
            slot.load = load;
            Thread.ofVirtual().name("load-" + slot.spec.id()).start(() -> load(slot.spec, load));
            return load;
        }
    }

    private void load(EmbeddingModelSpec spec, CompletableFuture<Loaded> done) {
        boolean reserved = false;
        try {
            BatchableEmbedder embedder;
            EmbeddingMemory memory;
            String runs;
            if (spec.gguf()) {
                GgufModelInfo info;
                try (GgufFile f = GgufFile.open(spec.path().get())) {
                    info = GgufModelInfo.of(f);
                }
                memory = EmbeddingMemory.ofGguf(spec, info, Files.size(spec.path().get()));
                budget.reserve(spec.id(), memory.totalBytes());
                reserved = true;
                LlamaEmbedder llama = LlamaEmbedder.open(library, spec.path().get(), spec.llamaConfig());
                embedder = llama;
                runs = "llama.cpp " + llama.pooling().name().toLowerCase(java.util.Locale.ROOT) + "-pooled";
            } else {
                byte[] model = spec.builtin().isPresent() ? spec.builtin().get().readModel()
                        : Files.readAllBytes(spec.path().get());
                boolean shared = spec.inputBatching() == InputBatching.SHARED
                        || spec.inputBatching() == InputBatching.AUTO && !OnnxEmbedder.quantizesDynamically(model);
                memory = EmbeddingMemory.of(spec, model.length, shared);
                budget.reserve(spec.id(), memory.totalBytes());
                reserved = true;
                OnnxEmbedder onnx;
                try (InputStream tokenizer = spec.builtin().isPresent() ? spec.builtin().get().openTokenizer()
                        : Files.newInputStream(spec.tokenizer().get())) {
                    onnx = OnnxEmbedder.open(spec.onnxConfig(), model, tokenizer);
                }
                embedder = onnx;
                runs = onnx.sharedRuns() ? "shared" : "per-input";
            }
            Loaded loaded = new Loaded(spec, new BatchingEmbedder(embedder, spec.workers(), spec.maxQueue(),
                    spec.batchWait()), System.currentTimeMillis() / 1000);
            if (closed) {
                loaded.embedder().close();
                throw new ModelUnavailableException(Reason.SHUT_DOWN, "the node is shutting down");
            }
            LOG.log(System.Logger.Level.INFO, "embedding model {0} loaded ({1} dimensions, {2} runs, {3} MiB"
                    + " estimated)", spec.id(), embedder.dimensions(), runs,
                    ModelMemory.mib(memory.totalBytes()));
            done.complete(loaded);
        } catch (ModelUnavailableException e) {
            failed(spec, done, e, reserved);
        } catch (IOException | EmbeddingException | IllegalArgumentException e) {
            failed(spec, done, new ModelUnavailableException(Reason.LOAD_FAILED, "embedding model " + spec.id()
                    + " failed to load: " + e.getMessage()), reserved);
        } catch (RuntimeException | OutOfMemoryError e) {
            failed(spec, done, new ModelUnavailableException(Reason.LOAD_FAILED, "embedding model " + spec.id()
                    + " failed to load: " + e), reserved);
        }
    }

    private void failed(EmbeddingModelSpec spec, CompletableFuture<Loaded> done, ModelUnavailableException e,
            boolean reserved) {
        if (reserved) {
            budget.release(spec.id());
        }
        LOG.log(System.Logger.Level.ERROR, e.getMessage());
        done.completeExceptionally(e);
    }

    /** The model if it is loaded now (no wait). */
    Optional<Loaded> loaded(String id) {
        Slot slot = slots.get(id);
        if (slot == null) {
            return Optional.empty();
        }
        synchronized (slot) {
            CompletableFuture<Loaded> load = slot.load;
            return load != null && load.isDone() && !load.isCompletedExceptionally()
                    ? Optional.of(load.join()) : Optional.empty();
        }
    }

    /** Whether every embedding model is loaded. */
    boolean allLoaded() {
        return slots.keySet().stream().allMatch(id -> loaded(id).isPresent());
    }

    /** Waits until every load started so far has ended, at most {@code timeout}. */
    void awaitLoads(Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        for (Slot slot : slots.values()) {
            CompletableFuture<Loaded> load;
            synchronized (slot) {
                load = slot.load;
            }
            if (load != null) {
                try {
                    load.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    // reported by the status; awaiting is all this does
                }
            }
        }
    }

    /** Every embedding model's status, in file order. */
    List<ModelStatus> statuses() {
        return slots.values().stream().map(this::status).toList();
    }

    private ModelStatus status(Slot slot) {
        CompletableFuture<Loaded> load;
        synchronized (slot) {
            load = slot.load;
        }
        String id = slot.spec.id();
        if (load == null) {
            return new ModelStatus(id, ModelStatus.State.AVAILABLE, OptionalDouble.empty(), Optional.empty(), 0);
        }
        if (!load.isDone()) {
            return new ModelStatus(id, ModelStatus.State.LOADING, OptionalDouble.empty(), Optional.empty(), 0);
        }
        if (load.isCompletedExceptionally()) {
            String why = load.exceptionNow().getMessage();
            return new ModelStatus(id, ModelStatus.State.FAILED, OptionalDouble.empty(), Optional.ofNullable(why), 0);
        }
        return new ModelStatus(id, ModelStatus.State.LOADED, OptionalDouble.empty(), Optional.empty(),
                load.resultNow().createdEpochSeconds());
    }

    /** Stops every model's workers (a run in progress finishes) and frees its session. */
    @Override
    public void close() {
        closed = true;
        for (Slot slot : slots.values()) {
            Optional<Loaded> l = loaded(slot.spec.id());
            l.ifPresent(loaded -> {
                loaded.embedder().close();
                budget.release(slot.spec.id());
            });
        }
    }
}
