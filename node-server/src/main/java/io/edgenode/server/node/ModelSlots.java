package io.edgenode.server.node;

import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.node.ModelHost.UnloadResult;
import io.edgenode.server.node.ModelUnavailableException.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Thread-safe under the registry's one lock: every configured model's state and leases. The lock
 * guards bookkeeping only: this class holds no file, fetcher or native collaborator, so nothing
 * under it can do I/O or block. It decides; its callers act (start loads, free engines) after it
 * returns.
 *
 * <p>The state machine of a slot: {@code AVAILABLE} -> ({@link #lease} or {@link #claimLoad}
 * starts a load) {@code LOADING} -> ({@link #markDownloading} while the file downloads, then
 * {@link #markLoading}) -> {@link #publish} {@code LOADED} -> ({@link #unloadIdle},
 * {@link #detachExpired}, eviction in {@link #reserve}) {@code AVAILABLE}; or {@link #fail}
 * {@code FAILED}, from which the next lease or load starts again. A slot holds memory
 * ({@code reservedBytes}) from its reservation until it is detached or fails.
 *
 * <p>Leases: a loaded model with leases has running or queued generations; only a slot with none
 * is unloaded, evicted or expired, so an engine is never shut down under a request.
 */
final class ModelSlots {
    private final Object lock = new Object();
    private final Map<String, Slot> slots = new LinkedHashMap<>(); // filled once, then read-only
    private final CountDownLatch preloadsDone;
    private boolean closed; // guarded by lock
    /** Embedding models' reservations (never evicted: see EmbeddingModels), by id. Guarded by lock. */
    private final Map<String, Long> pinned = new LinkedHashMap<>();

    /** One configured model. Guarded by {@code lock}, except the final field. */
    private static final class Slot {
        final ModelSpec spec;
        ModelStatus.State state = ModelStatus.State.AVAILABLE;
        LoadedModel loaded;
        /** Non-null while a load (download included) is under way. */
        CompletableFuture<LoadedModel> loading;
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

    /** What {@link #lease} or {@link #claimLoad} found. */
    sealed interface Claim permits Leased, Waiting {}

    /** The model is loaded; for {@link #lease}, one lease is taken on it. */
    record Leased(LoadedModel model) implements Claim {}

    /**
     * The model is loading: wait for {@code load}. {@code mustStart}: this call began the load,
     * and the caller starts it ({@link ModelLoader#start}) once the lock is released.
     */
    record Waiting(CompletableFuture<LoadedModel> load, boolean mustStart) implements Claim {}

    /** What {@link #unloadIdle} did; {@code victim} (UNLOADED only) is the caller's to free. */
    record Unload(UnloadResult result, LoadedModel victim) {}

    ModelSlots(List<ModelSpec> specs) {
        for (ModelSpec spec : specs) {
            slots.put(spec.id(), new Slot(spec));
        }
        this.preloadsDone = new CountDownLatch((int) specs.stream().filter(ModelSpec::preload).count());
    }

    /** @throws IllegalArgumentException {@code id} is not a configured model id */
    ModelSpec spec(String id) {
        return slot(id).spec;
    }

    // ---- leases -------------------------------------------------------------------------------

    /** A lease on the loaded model, or the load to wait for (started by this call when none runs). */
    Claim lease(String id) throws ModelUnavailableException {
        Slot slot = slot(id);
        synchronized (lock) {
            if (closed) {
                throw new ModelUnavailableException(Reason.SHUT_DOWN, "the node is shutting down");
            }
            if (slot.state == ModelStatus.State.LOADED) {
                slot.leases++;
                slot.lastUsedNanos = System.nanoTime();
                return new Leased(slot.loaded);
            }
            return loadingLocked(slot);
        }
    }

    /** Returns a lease; the model's keep-alive counts from now when it is idle. */
    void release(LoadedModel model) {
        Slot slot = slot(model.id());
        synchronized (lock) {
            if (slot.loaded == model && slot.leases > 0) {
                slot.leases--;
                slot.lastUsedNanos = System.nanoTime();
            }
        }
    }

    /** The loaded model (no lease taken) or the load to wait for, started by this call when none runs. */
    Claim claimLoad(String id) {
        Slot slot = slot(id);
        synchronized (lock) {
            return slot.state == ModelStatus.State.LOADED ? new Leased(slot.loaded) : loadingLocked(slot);
        }
    }

    private Waiting loadingLocked(Slot slot) {
        if (slot.loading != null) {
            return new Waiting(slot.loading, false);
        }
        slot.loading = new CompletableFuture<>();
        slot.state = ModelStatus.State.LOADING;
        slot.error = null;
        return new Waiting(slot.loading, true);
    }

    // ---- a load's steps (the loader's thread) -------------------------------------------------

    /** The load waits for the model's file to download. */
    void markDownloading(String id) {
        transition(id, ModelStatus.State.DOWNLOADING);
    }

    /** The file is there; the load goes on. */
    void markLoading(String id) {
        transition(id, ModelStatus.State.LOADING);
    }

    private void transition(String id, ModelStatus.State to) {
        Slot slot = slot(id);
        synchronized (lock) {
            if (slot.loading != null) {
                slot.state = to;
            }
        }
    }

    /**
     * Reserves {@code bytes} of {@code budget} for {@code id}'s load, applying {@link MemoryBudget}'s
     * plan to the other slots' reservations: the models returned are detached (evicted) and the
     * caller frees them.
     *
     * @throws ModelUnavailableException the node is closing, or the model does not fit
     */
    List<LoadedModel> reserve(String id, long bytes, long budget) throws ModelUnavailableException {
        Slot slot = slot(id);
        synchronized (lock) {
            if (closed) {
                throw new ModelUnavailableException(Reason.SHUT_DOWN, "the node is shutting down");
            }
            List<LoadedModel> evicted = planLocked(id, bytes, budget, slot, null);
            slot.reservedBytes = bytes;
            return evicted;
        }
    }

    /**
     * Reserves {@code bytes} for embedding model {@code id} until {@link #releasePinned}, evicting
     * idle models as {@link #reserve} does; the models returned are the caller's to free. A pinned
     * reservation is never evicted.
     *
     * @throws ModelUnavailableException the node is closing, or the model does not fit
     */
    List<LoadedModel> reservePinned(String id, long bytes, long budget) throws ModelUnavailableException {
        synchronized (lock) {
            if (closed) {
                throw new ModelUnavailableException(Reason.SHUT_DOWN, "the node is shutting down");
            }
            List<LoadedModel> evicted = planLocked(id, bytes, budget, null, id);
            pinned.put(id, bytes);
            return evicted;
        }
    }

    /** What each model holds of the memory budget now (loading or loaded models, embedding models), by id. */
    java.util.Map<String, Long> reservations() {
        synchronized (lock) {
            java.util.Map<String, Long> out = new java.util.TreeMap<>(pinned);
            for (Slot slot : slots.values()) {
                if (slot.reservedBytes > 0) {
                    out.put(slot.spec.id(), slot.reservedBytes);
                }
            }
            return out;
        }
    }

    /** Returns an embedding model's reservation. */
    void releasePinned(String id) {
        synchronized (lock) {
            pinned.remove(id);
        }
    }

    /** {@link MemoryBudget}'s plan for {@code bytes} beside every reservation but the requester's; evicts. */
    private List<LoadedModel> planLocked(String id, long bytes, long budget, Slot except, String exceptPinned)
            throws ModelUnavailableException {
        List<MemoryBudget.Resident> residents = new ArrayList<>();
        for (Slot s : slots.values()) {
            if (s != except && s.reservedBytes > 0) {
                residents.add(new MemoryBudget.Resident(s.spec.id(), s.reservedBytes,
                        s.state == ModelStatus.State.LOADED && s.leases == 0 && !s.spec.preload(),
                        s.lastUsedNanos));
            }
        }
        pinned.forEach((pid, b) -> {
            if (!pid.equals(exceptPinned)) {
                residents.add(new MemoryBudget.Resident(pid, b, false, 0));
            }
        });
        List<LoadedModel> evicted = new ArrayList<>();
        switch (MemoryBudget.plan(id, bytes, budget, residents)) {
            case MemoryBudget.Refused r -> throw new ModelUnavailableException(Reason.OVER_BUDGET, r.message());
            case MemoryBudget.Fits fits -> {
                for (String victim : fits.evict()) {
                    evicted.add(detachLocked(slots.get(victim)));
                }
            }
        }
        return evicted;
    }

    /** The load finished: the model serves from now. False when the node closed meanwhile (the caller frees it). */
    boolean publish(String id, LoadedModel model) {
        Slot slot = slot(id);
        synchronized (lock) {
            if (closed) {
                return false;
            }
            slot.loaded = model;
            slot.state = ModelStatus.State.LOADED;
            slot.loading = null;
            slot.lastUsedNanos = System.nanoTime();
            slot.everLoaded = true;
            return true;
        }
    }

    /** The load failed with {@code message}; its reservation is returned. */
    void fail(String id, String message) {
        Slot slot = slot(id);
        synchronized (lock) {
            slot.state = ModelStatus.State.FAILED;
            slot.error = message;
            slot.loading = null;
            slot.reservedBytes = 0;
        }
    }

    /** A load of {@code id} ended, either way: the first end of each preloaded model counts for {@link #awaitPreloads}. */
    void loadEnded(String id) {
        Slot slot = slot(id);
        synchronized (lock) {
            if (slot.spec.preload() && !slot.preloadCounted) {
                slot.preloadCounted = true;
                preloadsDone.countDown();
            }
        }
    }

    // ---- unloading ----------------------------------------------------------------------------

    /** Detaches {@code id} when it is loaded and idle; a busy or loading model is left alone. */
    Unload unloadIdle(String id) {
        Slot slot = slot(id);
        synchronized (lock) {
            if (slot.loading != null) {
                return new Unload(UnloadResult.LOADING, null);
            }
            if (slot.state != ModelStatus.State.LOADED) {
                return new Unload(UnloadResult.NOT_LOADED, null);
            }
            if (slot.leases > 0) {
                return new Unload(UnloadResult.BUSY, null);
            }
            return new Unload(UnloadResult.UNLOADED, detachLocked(slot));
        }
    }

    /** Detaches the models {@link KeepAliveReaper#expired} picks at {@code nowNanos}; the caller frees them. */
    List<LoadedModel> detachExpired(long nowNanos) {
        synchronized (lock) {
            if (closed) {
                return List.of();
            }
            List<KeepAliveReaper.Candidate> candidates = new ArrayList<>(slots.size());
            for (Slot s : slots.values()) {
                candidates.add(new KeepAliveReaper.Candidate(s.spec.id(), s.state == ModelStatus.State.LOADED,
                        s.leases, s.spec.keepAlive(), s.lastUsedNanos));
            }
            List<LoadedModel> expired = new ArrayList<>();
            for (String id : KeepAliveReaper.expired(candidates, nowNanos)) {
                expired.add(detachLocked(slots.get(id)));
            }
            return expired;
        }
    }

    /** Takes a loaded, idle model out of service; the caller frees it after the lock is released. */
    private static LoadedModel detachLocked(Slot slot) {
        LoadedModel m = slot.loaded;
        slot.loaded = null;
        slot.state = ModelStatus.State.AVAILABLE;
        slot.reservedBytes = 0;
        return m;
    }

    /**
     * Closes the registry: leases and reservations are refused from now. The loaded models,
     * detached, are the caller's to drain and free; empty when it was closed already.
     */
    Optional<List<LoadedModel>> close() {
        synchronized (lock) {
            if (closed) {
                return Optional.empty();
            }
            closed = true;
            List<LoadedModel> all = new ArrayList<>();
            for (Slot s : slots.values()) {
                if (s.loaded != null) {
                    all.add(detachLocked(s));
                }
            }
            return Optional.of(all);
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
    boolean isReady() {
        synchronized (lock) {
            return slots.values().stream().filter(s -> s.spec.preload())
                    .allMatch(s -> s.everLoaded && s.state != ModelStatus.State.FAILED);
        }
    }

    /** Waits (without the lock) until every preloaded model's first load has ended; true when they did in time. */
    boolean awaitPreloads(Duration timeout) throws InterruptedException {
        return preloadsDone.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@code id}'s model if it is loaded now (no lease); empty for an unknown id too. */
    Optional<LoadedModel> loaded(String id) {
        Slot s = slots.get(id);
        if (s == null) {
            return Optional.empty();
        }
        synchronized (lock) {
            return Optional.ofNullable(s.loaded);
        }
    }

    /** Why the last load of {@code id} failed, while it stays failed. */
    Optional<String> failure(String id) {
        Slot s = slots.get(id);
        if (s == null) {
            return Optional.empty();
        }
        synchronized (lock) {
            return Optional.ofNullable(s.state != ModelStatus.State.FAILED ? null : s.error);
        }
    }

    List<LoadedModel> loadedModels() {
        synchronized (lock) {
            return slots.values().stream().filter(s -> s.loaded != null).map(s -> s.loaded).toList();
        }
    }

    /** {@code id}'s status without download progress (the caller overlays it from {@link ModelFiles}). */
    ModelStatus status(String id) {
        Slot s = slot(id);
        synchronized (lock) {
            return statusLocked(s);
        }
    }

    /** Every configured model's status, in file order, without download progress. */
    List<ModelStatus> statuses() {
        synchronized (lock) {
            return slots.values().stream().map(ModelSlots::statusLocked).toList();
        }
    }

    private static ModelStatus statusLocked(Slot s) {
        return new ModelStatus(s.spec.id(), s.state, OptionalDouble.empty(),
                s.state == ModelStatus.State.FAILED ? Optional.ofNullable(s.error) : Optional.empty(),
                s.loaded == null ? 0 : s.loaded.createdEpochSeconds());
    }
}
