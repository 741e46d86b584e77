package io.edgenode.core.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A reusable {@code llama_token_data_array} over the whole vocabulary, the candidates samplers
 * work on. Confined to the thread that samples (the engine thread); one per decode loop is enough
 * because sequences are sampled one after another.
 *
 * <p>After {@link #fill} entry {@code i} is token {@code i}, so {@link #refuse} can index by id.
 * Samplers may then sort, truncate and even replace the data pointer (llama.h: "this pointer can
 * be modified by the samplers"); every read after a sampler ran goes through the struct's current
 * {@code data}/{@code size}/{@code selected}, never the original allocation's indexes.
 */
public final class TokenDataArray implements AutoCloseable {
    private static final long ENTRY = LlamaStructs.TOKEN_DATA.byteSize();
    private static final long ID = LlamaStructs.offset(LlamaStructs.TOKEN_DATA, "id");
    private static final long LOGIT = LlamaStructs.offset(LlamaStructs.TOKEN_DATA, "logit");
    private static final long P = LlamaStructs.offset(LlamaStructs.TOKEN_DATA, "p");
    private static final long DATA = LlamaStructs.offset(LlamaStructs.TOKEN_DATA_ARRAY, "data");
    private static final long SIZE = LlamaStructs.offset(LlamaStructs.TOKEN_DATA_ARRAY, "size");
    private static final long SELECTED = LlamaStructs.offset(LlamaStructs.TOKEN_DATA_ARRAY, "selected");
    private static final long SORTED = LlamaStructs.offset(LlamaStructs.TOKEN_DATA_ARRAY, "sorted");

    private final Arena arena = Arena.ofShared();
    private final int capacity;
    private final MemorySegment entries;
    private final MemorySegment struct;
    private boolean closed;

    /** Room for {@code capacity} candidates (the vocabulary size for a full row). */
    public TokenDataArray(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
        this.entries = arena.allocate(ENTRY * capacity, 8);
        this.struct = arena.allocate(LlamaStructs.TOKEN_DATA_ARRAY);
    }

    public int capacity() {
        return capacity;
    }

    /** Entry {@code i} = (token i, logits[i], 0) for the whole row; nothing selected, unsorted. */
    public void fill(MemorySegment logits) {
        check();
        int n = (int) (logits.byteSize() / Float.BYTES);
        if (n > capacity) {
            throw new IllegalArgumentException("logits row of " + n + " exceeds capacity " + capacity);
        }
        for (int i = 0; i < n; i++) {
            long at = i * ENTRY;
            entries.set(JAVA_INT, at + ID, i);
            entries.set(JAVA_FLOAT, at + LOGIT, logits.getAtIndex(JAVA_FLOAT, i));
            entries.set(JAVA_FLOAT, at + P, 0f);
        }
        reset(n);
    }

    /** Candidates {@code tokens} (logit 0), for probing a grammar on part of the vocabulary. */
    public void fill(int[] tokens) {
        check();
        if (tokens.length > capacity) {
            throw new IllegalArgumentException(tokens.length + " tokens exceed capacity " + capacity);
        }
        for (int i = 0; i < tokens.length; i++) {
            long at = i * ENTRY;
            entries.set(JAVA_INT, at + ID, tokens[i]);
            entries.set(JAVA_FLOAT, at + LOGIT, 0f);
            entries.set(JAVA_FLOAT, at + P, 0f);
        }
        reset(tokens.length);
    }

    /** The first {@code n} of {@code tokens} with their {@code logits}: part of a row, for a chain to sample from. */
    public void fill(int[] tokens, float[] logits, int n) {
        check();
        if (n > capacity || n > tokens.length || n > logits.length) {
            throw new IllegalArgumentException(n + " candidates exceed capacity " + capacity + " or the arrays");
        }
        for (int i = 0; i < n; i++) {
            long at = i * ENTRY;
            entries.set(JAVA_INT, at + ID, tokens[i]);
            entries.set(JAVA_FLOAT, at + LOGIT, logits[i]);
            entries.set(JAVA_FLOAT, at + P, 0f);
        }
        reset(n);
    }

    /** One candidate, for a grammar's yes/no on a single token. */
    public void single(int token) {
        check();
        entries.set(JAVA_INT, ID, token);
        entries.set(JAVA_FLOAT, LOGIT, 0f);
        entries.set(JAVA_FLOAT, P, 0f);
        reset(1);
    }

    private void reset(int n) {
        struct.set(ADDRESS, DATA, entries);
        struct.set(JAVA_LONG, SIZE, n);
        struct.set(JAVA_LONG, SELECTED, -1L);
        struct.set(JAVA_BOOLEAN, SORTED, false);
    }

    /** Sets token {@code token}'s logit to -inf. Only between {@link #fill} and the first sampler. */
    public void refuse(int token) {
        check();
        if (token < 0 || token >= size() || struct.get(ADDRESS, DATA).address() != entries.address()) {
            throw new IllegalStateException("refuse() needs a freshly filled array");
        }
        entries.set(JAVA_FLOAT, token * ENTRY + LOGIT, Float.NEGATIVE_INFINITY);
    }

    /** Current number of candidates (samplers may have truncated them). */
    public int size() {
        return (int) struct.get(JAVA_LONG, SIZE);
    }

    /** Token id of current candidate {@code i}. */
    public int tokenAt(int i) {
        return current().get(JAVA_INT, i * ENTRY + ID);
    }

    /** Logit of current candidate {@code i}. */
    public float logitAt(int i) {
        return current().get(JAVA_FLOAT, i * ENTRY + LOGIT);
    }

    /** The token a sampler selected, or -1 when none did (or the index is out of range). */
    public int selectedToken() {
        long sel = struct.get(JAVA_LONG, SELECTED);
        int n = size();
        if (sel < 0 || sel >= n) {
            return -1;
        }
        return tokenAt((int) sel);
    }

    private MemorySegment current() {
        check();
        MemorySegment data = struct.get(ADDRESS, DATA);
        long n = struct.get(JAVA_LONG, SIZE);
        if (data.address() == entries.address()) {
            return entries;
        }
        // A sampler swapped in its own buffer: valid until that sampler runs again.
        return data.reinterpret(n * ENTRY);
    }

    MemorySegment struct() {
        check();
        return struct;
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("token data array is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
