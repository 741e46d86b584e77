package io.edgenode.core.engine;

import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * Which KV sequence slot holds which tokens. Confined to the engine thread; pure bookkeeping
 * (the engine performs the matching {@code llama_memory_seq_*} calls; {@link KvLedger} counts
 * the cells behind them).
 *
 * <p>A slot is either owned by a running sequence (its cached tokens are the owner's computed
 * tokens) or free, in which case it keeps the tokens of its last owner so that a later request
 * with the same prefix (a system prompt, a conversation's history) reuses their KV instead of
 * prefilling them again.
 *
 * <p>A slot also remembers whose tokens it holds (the owner's {@link GenerationRequest#cacheScope()}):
 * a request of another scope reuses them only up to its operator-shared prefix, so no tenant gets
 * a faster first token because another tenant sent the same prompt.
 */
final class SlotTable {
    /** Copying a prefix from a busy slot ({@code seq_cp}) pays only beyond this many tokens. */
    static final int MIN_COPY_PREFIX = 16;

    /** Where a new sequence goes and what it can reuse. {@code copyFrom} is -1 or a busy slot. */
    record Choice(int slot, int reuse, int copyFrom) {}

    private final Sequence[] owner;
    private final int[][] cached;
    private final int[] cachedLength;
    private final String[] cachedScope;
    private final long[] lastUsed;
    private long clock;

    SlotTable(int slots) {
        owner = new Sequence[slots];
        cached = new int[slots][];
        cachedLength = new int[slots];
        cachedScope = new String[slots];
        Arrays.fill(cachedScope, "");
        lastUsed = new long[slots];
        Arrays.fill(cached, new int[0]);
    }

    int size() {
        return owner.length;
    }

    boolean hasFreeSlot() {
        for (Sequence s : owner) {
            if (s == null) {
                return true;
            }
        }
        return false;
    }

    Sequence owner(int slot) {
        return owner[slot];
    }

    /** Tokens with KV in {@code slot}: the owner's computed tokens, or what a free slot kept. */
    int cachedLength(int slot) {
        Sequence s = owner[slot];
        return s != null ? s.numComputed : cachedLength[slot];
    }

    private int[] cachedTokens(int slot) {
        Sequence s = owner[slot];
        return s != null ? s.tokens() : cached[slot];
    }

    private String scope(int slot) {
        Sequence s = owner[slot];
        return s != null ? s.request.cacheScope() : cachedScope[slot];
    }

    /** What {@code prompt} may reuse of {@code slot}: all it shares with its own scope, the shared prefix with others. */
    private int reusable(int slot, int[] prompt, int promptLength, String scope, int sharedPrefix) {
        int lcp = commonPrefix(cachedTokens(slot), cachedLength(slot), prompt, promptLength);
        return scope.equals(scope(slot)) ? lcp : Math.min(lcp, sharedPrefix);
    }

    /**
     * The best free slot for {@code prompt}: the longest common prefix among free slots, or a copy
     * from a busy slot when that shares at least {@link #MIN_COPY_PREFIX} more tokens; at least one
     * prompt token is always left to compute (its logits start generation). Without any shared
     * prefix, the least recently used free slot (keeping fresher caches for later). Null when no
     * slot is free. Reuse across cache scopes stops at {@code sharedPrefix} tokens.
     */
    Choice choose(int[] prompt, int promptLength, String scope, int sharedPrefix) {
        int maxReuse = promptLength - 1;
        int bestFree = -1;
        int bestFreeReuse = -1;
        int bestBusy = -1;
        int bestBusyReuse = 0;
        for (int slot = 0; slot < owner.length; slot++) {
            int lcp = Math.min(maxReuse, reusable(slot, prompt, promptLength, scope, sharedPrefix));
            if (owner[slot] == null) {
                if (lcp > bestFreeReuse || (lcp == bestFreeReuse && lessValuable(slot, bestFree))) {
                    bestFree = slot;
                    bestFreeReuse = lcp;
                }
            } else if (lcp > bestBusyReuse) {
                bestBusy = slot;
                bestBusyReuse = lcp;
            }
        }
        if (bestFree < 0) {
            return null;
        }
        if (bestBusy >= 0 && bestBusyReuse >= bestFreeReuse + MIN_COPY_PREFIX) {
            // Prefer an empty-ish free slot as the copy target: fewer useful cached tokens lost.
            return new Choice(leastValuableFree(), bestBusyReuse, bestBusy);
        }
        return new Choice(bestFree, bestFreeReuse, -1);
    }

    private int leastValuableFree() {
        int best = -1;
        for (int slot = 0; slot < owner.length; slot++) {
            if (owner[slot] == null && (best < 0 || lessValuable(slot, best))) {
                best = slot;
            }
        }
        return best;
    }

    /** Between two free slots: fewer cached tokens, then least recently used, is cheaper to overwrite. */
    private boolean lessValuable(int a, int b) {
        return cachedLength[a] < cachedLength[b] || (cachedLength[a] == cachedLength[b] && lastUsed[a] < lastUsed[b]);
    }

    static int commonPrefix(int[] a, int aLength, int[] b, int bLength) {
        int n = Math.min(aLength, bLength);
        int i = Arrays.mismatch(a, 0, n, b, 0, n);
        return i < 0 ? n : i;
    }

    void assign(int slot, Sequence s) {
        owner[slot] = s;
        s.slot = slot;
        lastUsed[slot] = ++clock;
    }

    /** The owner leaves; the slot keeps its computed tokens (what the KV cache holds) for reuse. */
    void release(int slot) {
        Sequence s = owner[slot];
        if (s != null) {
            cached[slot] = Arrays.copyOf(s.tokens(), s.numComputed);
            cachedLength[slot] = s.numComputed;
            cachedScope[slot] = s.request.cacheScope();
            owner[slot] = null;
            lastUsed[slot] = ++clock;
        }
    }

    /** The slot's KV was removed: nothing cached. */
    void forget(int slot) {
        if (owner[slot] == null) {
            cached[slot] = new int[0];
            cachedLength[slot] = 0;
        }
    }

    /** The least recently used free slot that still caches tokens and passes {@code worthIt}, or -1. */
    int evictionCandidate(IntPredicate worthIt) {
        int best = -1;
        for (int slot = 0; slot < owner.length; slot++) {
            if (owner[slot] == null && cachedLength[slot] > 0 && (best < 0 || lastUsed[slot] < lastUsed[best])
                    && worthIt.test(slot)) {
                best = slot;
            }
        }
        return best;
    }
}
