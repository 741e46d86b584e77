package io.edgenode.core.engine;

import io.edgenode.core.llama.LlamaContext;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Confined to the engine thread, like the context it calls: moves one sequence's KV between the
 * context and a {@link KvState} (session hibernation).
 *
 * <p>Both directions are native to native. A capture allocates the snapshot's own memory and lets
 * {@code llama_state_seq_get_data} write into it; the KvState that owns it leaves the engine with
 * the result. A restore hands the snapshot's segment (normally the mapped file) straight to {@code
 * llama_state_seq_set_data}. Only a state on the Java heap (built by a caller from an array; a
 * native call cannot read the heap) goes through this class's off-heap staging buffer, grown on
 * demand and freed with {@link #close()}.
 */
final class KvTransfer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KvTransfer.class.getName());

    private final LlamaContext context;
    private Arena stagingArena;
    private MemorySegment staging;

    KvTransfer(LlamaContext context) {
        this.context = context;
    }

    /**
     * Restores {@code kv} into empty-to-be {@code slot} and keeps its first {@code keep} tokens.
     * False when llama.cpp refused the snapshot, or it restored other positions than its tokens
     * say (a well-formed snapshot of other tokens would restore "successfully"): the slot is then
     * empty and the caller prefills. Does not close {@code kv}.
     */
    boolean restore(int slot, KvState kv, int keep) {
        context.removeSequence(slot, -1, -1);
        long read = 0;
        if (kv.isOpen()) {
            MemorySegment src = kv.state();
            if (!src.isNative()) {
                src = staging(src.byteSize()).copyFrom(src);
            }
            read = context.restoreSequenceState(slot, src);
        }
        int last = kv.tokenCount() - 1;
        if (read == 0 || context.sequenceMaxPosition(slot) != last || context.sequenceMinPosition(slot) != 0) {
            context.removeSequence(slot, -1, -1);
            LOG.log(System.Logger.Level.WARNING, "KV snapshot of {0} tokens refused; prefilling instead",
                    kv.tokenCount());
            return false;
        }
        context.removeSequence(slot, keep, -1);
        return true;
    }

    /**
     * {@code slot}'s KV state with the first {@code computed} of {@code tokens} (those it holds),
     * in memory of its own; null when llama.cpp cannot serialize it.
     */
    KvState capture(int slot, int[] tokens, int computed) {
        long size = context.sequenceStateSize(slot);
        if (size <= 0) {
            return null;
        }
        Arena arena = Arena.ofShared(); // the state is freed by whoever owns it last, on any thread
        try {
            MemorySegment dst = arena.allocate(size);
            long written = context.saveSequenceState(slot, dst);
            if (written <= 0 || written > size) {
                arena.close();
                return null;
            }
            return KvState.owning(Arrays.copyOf(tokens, computed), dst.asSlice(0, written), arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** {@code size} bytes of the staging buffer (grown to at least twice its old size when short). */
    private MemorySegment staging(long size) {
        if (staging == null || staging.byteSize() < size) {
            long capacity = Math.max(Math.max(size, 1), staging == null ? 0 : staging.byteSize() * 2);
            close();
            stagingArena = Arena.ofConfined();
            staging = stagingArena.allocate(capacity);
        }
        return staging.asSlice(0, size);
    }

    @Override
    public void close() {
        if (stagingArena != null) {
            stagingArena.close();
            stagingArena = null;
            staging = null;
        }
    }
}
