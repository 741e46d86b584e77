package io.edgenode.core.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A reusable {@code llama_batch}: off-heap token, position, sequence-id and logits arrays
 * allocated once for {@code capacity} tokens and refilled every step. Confined to the thread that
 * owns the context it is decoded on; {@link #add} allocates nothing.
 *
 * <p>Each token may belong to up to {@code maxSeqPerToken} sequences (a shared prompt prefix
 * decoded once for several sequences); the {@code seq_id} pointer table is laid out once so that
 * row {@code i} always points at its own slice of one flat id array.
 */
public final class Batch implements AutoCloseable {
    private static final long N_TOKENS = LlamaStructs.offset(LlamaStructs.BATCH, "n_tokens");

    private final Arena arena;
    private final int capacity;
    private final int maxSeqPerToken;
    private final MemorySegment struct;
    private final MemorySegment tokens;
    private final MemorySegment positions;
    private final MemorySegment seqCounts;
    private final MemorySegment seqIds;
    private final MemorySegment logits;
    private int size;
    private int outputs;
    private int generation;
    private boolean closed;

    public Batch(int capacity, int maxSeqPerToken) {
        if (capacity <= 0 || maxSeqPerToken <= 0) {
            throw new IllegalArgumentException("capacity and maxSeqPerToken must be positive");
        }
        this.capacity = capacity;
        this.maxSeqPerToken = maxSeqPerToken;
        this.arena = Arena.ofShared();
        this.struct = arena.allocate(LlamaStructs.BATCH);
        this.tokens = arena.allocate(JAVA_INT, capacity);
        this.positions = arena.allocate(JAVA_INT, capacity);
        this.seqCounts = arena.allocate(JAVA_INT, capacity);
        this.seqIds = arena.allocate(JAVA_INT, (long) capacity * maxSeqPerToken);
        MemorySegment seqIdRows = arena.allocate(ADDRESS, capacity);
        for (int i = 0; i < capacity; i++) {
            seqIdRows.setAtIndex(ADDRESS, i, seqIds.asSlice((long) i * maxSeqPerToken * Integer.BYTES));
        }
        this.logits = arena.allocate(JAVA_BYTE, capacity);
        struct.set(ADDRESS, LlamaStructs.offset(LlamaStructs.BATCH, "token"), tokens);
        struct.set(ADDRESS, LlamaStructs.offset(LlamaStructs.BATCH, "embd"), MemorySegment.NULL);
        struct.set(ADDRESS, LlamaStructs.offset(LlamaStructs.BATCH, "pos"), positions);
        struct.set(ADDRESS, LlamaStructs.offset(LlamaStructs.BATCH, "n_seq_id"), seqCounts);
        struct.set(ADDRESS, LlamaStructs.offset(LlamaStructs.BATCH, "seq_id"), seqIdRows);
        struct.set(ADDRESS, LlamaStructs.offset(LlamaStructs.BATCH, "logits"), logits);
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public boolean isFull() {
        return size == capacity;
    }

    /** Number of tokens that asked for logits; they are numbered 0.. in batch order by llama.cpp. */
    public int outputs() {
        return outputs;
    }

    public void clear() {
        checkOpen();
        size = 0;
        outputs = 0;
        generation++;
    }

    /** Bumped by every {@link #clear()}: lets a context tell whether this is still the batch it decoded. */
    int generation() {
        return generation;
    }

    /** Whether position {@code i} asked for logits. */
    public boolean wantsLogits(int i) {
        return i >= 0 && i < size && logits.get(JAVA_BYTE, i) != 0;
    }

    /**
     * Appends one token of one sequence and returns its index in the batch, which is the index
     * to sample from when {@code wantLogits}.
     */
    public int add(int token, int pos, int seqId, boolean wantLogits) {
        checkOpen();
        if (size == capacity) {
            throw new IllegalStateException("batch full (" + capacity + " tokens)");
        }
        int i = size++;
        tokens.setAtIndex(JAVA_INT, i, token);
        positions.setAtIndex(JAVA_INT, i, pos);
        seqCounts.setAtIndex(JAVA_INT, i, 1);
        seqIds.setAtIndex(JAVA_INT, (long) i * maxSeqPerToken, seqId);
        logits.set(JAVA_BYTE, i, wantLogits ? (byte) 1 : (byte) 0);
        if (wantLogits) {
            outputs++;
        }
        return i;
    }

    /** Appends one token shared by several sequences (their KV gets the same cell). */
    public int addShared(int token, int pos, int[] seqIdsOfToken, boolean wantLogits) {
        checkOpen();
        if (seqIdsOfToken.length == 0 || seqIdsOfToken.length > maxSeqPerToken) {
            throw new IllegalArgumentException("a token belongs to 1.." + maxSeqPerToken + " sequences, got "
                    + seqIdsOfToken.length);
        }
        int i = add(token, pos, seqIdsOfToken[0], wantLogits);
        seqCounts.setAtIndex(JAVA_INT, i, seqIdsOfToken.length);
        for (int k = 1; k < seqIdsOfToken.length; k++) {
            seqIds.setAtIndex(JAVA_INT, (long) i * maxSeqPerToken + k, seqIdsOfToken[k]);
        }
        return i;
    }

    public int token(int i) {
        return tokens.getAtIndex(JAVA_INT, i);
    }

    public int position(int i) {
        return positions.getAtIndex(JAVA_INT, i);
    }

    public int seqId(int i) {
        return seqIds.getAtIndex(JAVA_INT, (long) i * maxSeqPerToken);
    }

    /** The struct to pass by value to {@code llama_decode}, with {@code n_tokens} set. */
    MemorySegment prepareForDecode() {
        checkOpen();
        struct.set(JAVA_INT, N_TOKENS, size);
        return struct;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("batch is closed");
        }
    }

    /** Frees the native arrays. A second close is harmless. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
