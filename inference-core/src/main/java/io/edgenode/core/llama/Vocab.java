package io.edgenode.core.llama;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * A model's vocabulary: tokenization, token pieces, special tokens. Thread-safe (llama.cpp's
 * tokenizer API is), valid while its {@link LlamaModel} is open.
 */
public final class Vocab {
    /** {@code LLAMA_TOKEN_NULL}: the model has no such special token. */
    public static final int TOKEN_NULL = -1;

    private final LlamaModel model;
    private final MemorySegment vocab;
    private final int size;
    /** {@link #tokensByGrammarPieceLength}, computed on first use. */
    private volatile int[][] byPieceLength;

    Vocab(LlamaModel model, MemorySegment vocab) {
        this.model = model;
        this.vocab = vocab;
        try {
            this.size = (int) LlamaNative.llama_vocab_n_tokens.invokeExact(vocab);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    private MemorySegment ptr() {
        model.handle(); // throws once the model is closed
        return vocab;
    }

    /** The native {@code llama_vocab *}, checked open (grammar samplers are built on it). */
    MemorySegment nativeHandle() {
        return ptr();
    }

    public int size() {
        return size;
    }

    public int bos() {
        try {
            return (int) LlamaNative.llama_vocab_bos.invokeExact(ptr());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    public int eos() {
        try {
            return (int) LlamaNative.llama_vocab_eos.invokeExact(ptr());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** End-of-turn token, or {@link #TOKEN_NULL}. */
    public int eot() {
        try {
            return (int) LlamaNative.llama_vocab_eot.invokeExact(ptr());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** Whether the tokenizer adds BOS when asked to add special tokens. */
    public boolean addsBos() {
        try {
            return (boolean) LlamaNative.llama_vocab_get_add_bos.invokeExact(ptr());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** End of generation: EOS, EOT or any other token the model marks as ending a turn. */
    public boolean isEndOfGeneration(int token) {
        try {
            return (boolean) LlamaNative.llama_vocab_is_eog.invokeExact(ptr(), token);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    public boolean isControl(int token) {
        try {
            return (boolean) LlamaNative.llama_vocab_is_control.invokeExact(ptr(), token);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /**
     * Token ids grouped by the byte length of the piece llama.cpp's grammar matches (rendered
     * with {@code special = true}): entry {@code L} holds the tokens of length {@code L}. One
     * pass over the vocabulary on first use, then cached. Used to probe a grammar's cost from
     * the short pieces up (its cost can grow exponentially with piece length).
     */
    public int[][] tokensByGrammarPieceLength() {
        int[][] groups = byPieceLength;
        if (groups != null) {
            return groups;
        }
        int[] lengths = new int[size];
        int longest = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            for (int t = 0; t < size; t++) {
                int n = tokenToPiece(t, buf, true);
                lengths[t] = n < 0 ? -n : n;
                longest = Math.max(longest, lengths[t]);
            }
        }
        int[] counts = new int[longest + 1];
        for (int n : lengths) {
            counts[n]++;
        }
        groups = new int[longest + 1][];
        for (int n = 0; n <= longest; n++) {
            groups[n] = new int[counts[n]];
            counts[n] = 0;
        }
        for (int t = 0; t < size; t++) {
            groups[lengths[t]][counts[lengths[t]]++] = t;
        }
        byPieceLength = groups; // racing threads compute the same value
        return groups;
    }

    /** The token's text as stored in the vocabulary (e.g. {@code <0x41>}, {@code ▁the}). */
    public String text(int token) {
        checkToken(token);
        try {
            MemorySegment s = (MemorySegment) LlamaNative.llama_vocab_get_text.invokeExact(ptr(), token);
            return s.reinterpret(Integer.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /**
     * Tokenizes UTF-8 text.
     *
     * @param addSpecial add BOS (and EOS) if the model is configured to
     * @param parseSpecial treat special-token text (e.g. {@code <|eot_id|>}) as those tokens,
     *     which chat-template output needs; user text alone should not
     */
    public int[] tokenize(String text, boolean addSpecial, boolean parseSpecial) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(utf8.length + 1L);
            MemorySegment.copy(utf8, 0, in, JAVA_BYTE, 0, utf8.length);
            // Byte-level vocabularies can need one token per byte, plus BOS/EOS.
            int capacity = utf8.length + 8;
            MemorySegment out = arena.allocate(JAVA_INT, capacity);
            int n = (int) LlamaNative.llama_tokenize.invokeExact(
                    ptr(), in, utf8.length, out, capacity, addSpecial, parseSpecial);
            if (n == Integer.MIN_VALUE) {
                throw new LlamaException("tokenization overflow: text of " + utf8.length + " bytes");
            }
            if (n < 0) {
                capacity = -n;
                out = arena.allocate(JAVA_INT, capacity);
                n = (int) LlamaNative.llama_tokenize.invokeExact(
                        ptr(), in, utf8.length, out, capacity, addSpecial, parseSpecial);
                if (n < 0) {
                    throw new LlamaException("tokenization failed for text of " + utf8.length + " bytes");
                }
            }
            return out.asSlice(0, (long) n * Integer.BYTES).toArray(JAVA_INT);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /**
     * Writes the token's bytes into {@code buf} (no terminator) and returns their count. A
     * piece may be part of a UTF-8 character (byte tokens); join pieces before decoding text.
     * Returns {@code -needed} when {@code buf} is too small. Allocation-free: the token path.
     *
     * @param special render control tokens as their text instead of nothing
     */
    public int tokenToPiece(int token, MemorySegment buf, boolean special) {
        checkToken(token);
        try {
            return (int) LlamaNative.llama_token_to_piece.invokeExact(
                    ptr(), token, buf, (int) Math.min(buf.byteSize(), Integer.MAX_VALUE), 0, special);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** The bytes of one token's piece (convenience; allocates). */
    public byte[] pieceBytes(int token, boolean special) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64);
            int n = tokenToPiece(token, buf, special);
            if (n < 0) {
                buf = arena.allocate(-n);
                n = tokenToPiece(token, buf, special);
            }
            return buf.asSlice(0, n).toArray(JAVA_BYTE);
        }
    }

    /** Joins tokens back into text (llama.cpp's own detokenizer, with its whitespace rules). */
    public String detokenize(int[] tokens, boolean removeSpecial, boolean unparseSpecial) {
        for (int token : tokens) {
            checkToken(token);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocateFrom(JAVA_INT, tokens);
            int capacity = tokens.length * 8 + 16;
            MemorySegment out = arena.allocate(capacity);
            int n = (int) LlamaNative.llama_detokenize.invokeExact(
                    ptr(), in, tokens.length, out, capacity, removeSpecial, unparseSpecial);
            if (n < 0) {
                capacity = -n;
                out = arena.allocate(capacity);
                n = (int) LlamaNative.llama_detokenize.invokeExact(
                        ptr(), in, tokens.length, out, capacity, removeSpecial, unparseSpecial);
                if (n < 0) {
                    throw new LlamaException("detokenization failed for " + tokens.length + " tokens");
                }
            }
            return new String(out.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** Out-of-range ids would read outside llama.cpp's tables (it does not check): refuse them here. */
    void checkToken(int token) {
        if (token < 0 || token >= size) {
            throw new IllegalArgumentException("token " + token + " outside the vocabulary [0, " + size + ")");
        }
    }
}
