package io.edgenode.store.synth;

import io.edgenode.store.gguf.GgufArray;
import io.edgenode.store.gguf.GgufWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Immutable, so shareable across threads: a byte-level SentencePiece-style vocabulary
 * ({@code tokenizer.ggml.model = "llama"}) that any text can be tokenized with. Ids 0..2 are
 * {@code <unk>}, {@code <s>}, {@code </s>}; ids 3..258 are the byte tokens {@code <0x00>} to
 * {@code <0xFF>} that llama.cpp's byte fallback looks up; the rest are distinct lowercase pieces of
 * two letters and more, with and without the SentencePiece word-start marker U+2581, so tokenization
 * merges like a real vocabulary instead of spelling everything in bytes. The same size always gives
 * the same vocabulary, and a larger one extends a smaller one.
 */
public final class ByteVocabulary {

    public static final int UNK_ID = 0;
    public static final int BOS_ID = 1;
    public static final int EOS_ID = 2;
    public static final int FIRST_BYTE_ID = 3;
    public static final int FIRST_NORMAL_ID = FIRST_BYTE_ID + 256;

    /** Token types of llama.cpp ({@code llama_token_type}). */
    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_BYTE = 6;

    /** SentencePiece's word-start marker (LOWER ONE EIGHTH BLOCK), which stands for a space. */
    public static final String WORD_START = "\u2581";

    /** Letters by rough English frequency, so early pieces look like common fragments ("th", "he"). */
    private static final String LETTERS = "etaoinshrdlcumwfgypbvkjxqz";

    private final String[] tokens;
    private final float[] scores;
    private final int[] types;

    private ByteVocabulary(String[] tokens, float[] scores, int[] types) {
        this.tokens = tokens;
        this.scores = scores;
        this.types = types;
    }

    /** The vocabulary of {@code vocabSize} tokens; at least {@value #FIRST_NORMAL_ID}. */
    public static ByteVocabulary of(int vocabSize) {
        if (vocabSize < FIRST_NORMAL_ID) {
            throw new IllegalArgumentException("a byte vocabulary needs at least " + FIRST_NORMAL_ID + " tokens, got " + vocabSize);
        }
        String[] tokens = new String[vocabSize];
        float[] scores = new float[vocabSize];
        int[] types = new int[vocabSize];
        tokens[UNK_ID] = "<unk>";
        types[UNK_ID] = TYPE_UNKNOWN;
        tokens[BOS_ID] = "<s>";
        types[BOS_ID] = TYPE_CONTROL;
        tokens[EOS_ID] = "</s>";
        types[EOS_ID] = TYPE_CONTROL;
        for (int b = 0; b < 256; b++) {
            tokens[FIRST_BYTE_ID + b] = String.format("<0x%02X>", b);
            types[FIRST_BYTE_ID + b] = TYPE_BYTE;
        }
        List<String> pieces = pieces(vocabSize - FIRST_NORMAL_ID);
        for (int i = 0; i < pieces.size(); i++) {
            int id = FIRST_NORMAL_ID + i;
            tokens[id] = pieces.get(i);
            types[id] = TYPE_NORMAL;
            // SentencePiece merges prefer higher scores: earlier (more "frequent") pieces win.
            scores[id] = -i;
        }
        return new ByteVocabulary(tokens, scores, types);
    }

    public int size() {
        return tokens.length;
    }

    public List<String> tokens() {
        return List.of(tokens);
    }

    public float[] scores() {
        return scores.clone();
    }

    public int[] tokenTypes() {
        return types.clone();
    }

    /**
     * Puts the {@code tokenizer.ggml.*} keys llama.cpp reads for a SentencePiece vocabulary: model,
     * tokens, scores, token types, special token ids and the add-BOS/EOS flags.
     */
    public void putInto(GgufWriter writer) {
        writer.putString("tokenizer.ggml.model", "llama");
        writer.put("tokenizer.ggml.tokens", GgufArray.ofStrings(Arrays.asList(tokens)));
        writer.put("tokenizer.ggml.scores", GgufArray.ofFloat32(scores));
        writer.put("tokenizer.ggml.token_type", GgufArray.ofInt32(types));
        writer.putU32("tokenizer.ggml.bos_token_id", BOS_ID);
        writer.putU32("tokenizer.ggml.eos_token_id", EOS_ID);
        writer.putU32("tokenizer.ggml.unknown_token_id", UNK_ID);
        writer.putBool("tokenizer.ggml.add_bos_token", true);
        writer.putBool("tokenizer.ggml.add_eos_token", false);
        // SentencePiece prepends a space ("\u2581") to the text by default; a byte-level vocabulary
        // is meant to round-trip text exactly, so it does not.
        writer.putBool("tokenizer.ggml.add_space_prefix", false);
    }

    /** {@code count} distinct pieces: the bare marker, then letter pieces of growing length, each marked and bare. */
    private static List<String> pieces(int count) {
        List<String> out = new ArrayList<>(count);
        Set<String> seen = new HashSet<>();
        if (count > 0) {
            out.add(WORD_START);
        }
        for (int length = 2; out.size() < count; length++) {
            for (String letters : lettersOfLength(length)) {
                for (String piece : new String[] {WORD_START + letters, letters}) {
                    if (out.size() < count && seen.add(piece)) {
                        out.add(piece);
                    }
                }
                if (out.size() >= count) {
                    break;
                }
            }
        }
        return out;
    }

    /** Every lowercase string of {@code length} letters, the ones made of frequent letters first. */
    private static List<String> lettersOfLength(int length) {
        int base = LETTERS.length();
        int n = (int) Math.pow(base, length);
        // Key = (sum of letter ranks, then the ranks read as a base-26 number), packed into one long so
        // the sort is primitive: at four letters there are 457k pieces.
        long[] keys = new long[n];
        for (int code = 0; code < n; code++) {
            int sum = 0;
            for (int c = code; c > 0; c /= base) {
                sum += c % base;
            }
            keys[code] = (long) sum * n + code;
        }
        Arrays.sort(keys);
        List<String> out = new ArrayList<>(n);
        char[] piece = new char[length];
        for (long key : keys) {
            int code = (int) (key % n);
            for (int i = length - 1; i >= 0; i--) {
                piece[i] = LETTERS.charAt(code % base);
                code /= base;
            }
            out.add(new String(piece));
        }
        return out;
    }
}
