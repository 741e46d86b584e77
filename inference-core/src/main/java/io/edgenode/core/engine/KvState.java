package io.edgenode.core.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Thread-safe, one owner at a time: one sequence's KV cache as llama.cpp serializes it ({@code
 * llama_state_seq_get_data}), with the tokens whose keys and values it holds (positions {@code
 * 0..tokens.length-1}). It is handed from thread to thread (a reader's virtual thread, the engine
 * thread, the snapshot writer) and {@link #close()} may be called from any of them.
 *
 * <p>The state lives off-heap, never in a {@code byte[]}: in memory allocated for it (a capture:
 * llama.cpp writes straight into it) or in a file mapped read-only (a restore: llama.cpp reads the
 * mapping). Each KvState owns the shared {@link Arena} behind its segment and frees it on {@link
 * #close()}; the tokens stay readable afterwards. Ownership moves with the object: {@code
 * Engine.submit} takes a request's {@code restoreKv} (closed once the engine used or dropped it,
 * also when submit throws), the receiver of {@link GenerationResult#kv()} owns a capture (the
 * session layer hands it to its writer, which closes it once written). A state dropped without
 * close is freed when it becomes unreachable, and that is logged as a leak: a safety net, not the
 * way to release one. The tokens array is not copied (it can be large): nobody may change it after
 * handing it over.
 *
 * <p>A class, not a record like the other data that crosses threads: it owns a resource, and its
 * equality is identity.
 *
 * <p>The bytes are only meaningful for the model (and KV type) that produced them; whoever stores
 * them keys them by the model file's digest. llama.cpp validates the layout when restoring and
 * refuses a mismatch (another shape, a truncated buffer) without touching other sequences.
 */
public final class KvState implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KvState.class.getName());
    /** One daemon thread for the leak safety net of every KvState (a JDK facility, not configuration). */
    private static final Cleaner LEAKS = Cleaner.create();

    private final int[] tokens;
    private final MemorySegment state;
    private final Release release;
    private final Cleaner.Cleanable cleanable;

    private KvState(int[] tokens, MemorySegment state, Arena arena) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.state = Objects.requireNonNull(state, "state");
        this.release = new Release(Objects.requireNonNull(arena, "arena"), tokens.length);
        this.cleanable = LEAKS.register(this, release);
    }

    /**
     * Takes ownership of {@code arena} (a shared arena: the state is closed on whichever thread
     * last owns it), in which {@code state} was allocated or mapped. The arena is closed with
     * this KvState and must not be used by anyone else.
     */
    public static KvState owning(int[] tokens, MemorySegment state, Arena arena) {
        return new KvState(tokens, state, arena);
    }

    /** A KvState holding its own native copy of {@code source} (tests, tools). */
    public static KvState copyOf(int[] tokens, MemorySegment source) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment copy = arena.allocate(Math.max(1, source.byteSize())).asSlice(0, source.byteSize());
            copy.copyFrom(source);
            return new KvState(tokens, copy, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    public int[] tokens() {
        return tokens;
    }

    public int tokenCount() {
        return tokens.length;
    }

    /**
     * The serialized state; valid until {@link #close()} (afterwards any access throws
     * {@link IllegalStateException}). Only the owner reads it.
     */
    public MemorySegment state() {
        return state;
    }

    public long stateBytes() {
        return state.byteSize();
    }

    /** Whether the state's memory is still there. */
    public boolean isOpen() {
        return !release.done.get();
    }

    /** Frees the state's memory (unmaps it). Idempotent; any thread. */
    @Override
    public void close() {
        release.closedExplicitly = true;
        cleanable.clean();
    }

    @Override
    public String toString() {
        return "KvState[tokens=" + tokens.length + ", stateBytes=" + state.byteSize() + (isOpen() ? "" : ", closed")
                + "]";
    }

    /** The cleaning action: holds the arena, never the KvState (else it would never become unreachable). */
    private static final class Release implements Runnable {
        private final Arena arena;
        private final int tokens;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile boolean closedExplicitly;

        Release(Arena arena, int tokens) {
            this.arena = arena;
            this.tokens = tokens;
        }

        @Override
        public void run() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            if (!closedExplicitly) {
                LOG.log(System.Logger.Level.WARNING, "a KV state of {0} tokens was never closed; freed by the GC", tokens);
            }
            arena.close();
        }
    }
}
