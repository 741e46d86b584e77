package io.edgenode.core.engine;

import io.edgenode.core.llama.Vocab;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The tokens a grammar must treat apart, found once per engine (one pass over the vocabulary, on
 * the first constrained request). Immutable after construction.
 *
 * <p>{@code eog}: end-of-generation tokens. {@code hidden}: the other tokens whose text differs
 * between llama.cpp's grammar, which matches the piece rendered with {@code special = true}
 * ({@code <s>}, {@code <|im_start|>}), and what the client receives (the detokenizer renders
 * {@code special = false}: usually nothing). A grammar could otherwise accept {@code "<s>"} as
 * text the client never sees, so under an active grammar they are refused.
 */
final class SpecialTokens {
    final int[] eog;
    final int[] hidden;
    final byte[][] pieces;
    private final boolean[] isHidden;

    private SpecialTokens(int[] eog, int[] hidden, boolean[] isHidden, byte[][] pieces) {
        this.eog = eog;
        this.hidden = hidden;
        this.isHidden = isHidden;
        this.pieces = pieces;
    }

    static SpecialTokens of(Vocab vocab) {
        int n = vocab.size();
        boolean[] isHidden = new boolean[n];
        int[] eog = new int[8];
        int[] hidden = new int[8];
        int ne = 0;
        int nh = 0;
        byte[][] pieces = new byte[n][];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(256);
            MemorySegment b = arena.allocate(256);
            for (int t = 0; t < n; t++) {
                pieces[t] = vocab.pieceBytes(t, false);
                if (vocab.isEndOfGeneration(t)) {
                    if (ne == eog.length) {
                        eog = Arrays.copyOf(eog, ne * 2);
                    }
                    eog[ne++] = t;
                    continue;
                }
                int la = vocab.tokenToPiece(t, a, true);
                int lb = vocab.tokenToPiece(t, b, false);
                // a piece longer than the buffer (negative length) is compared by length only: such
                // tokens are ordinary long words, never control tokens rendered two ways
                boolean differs = la != lb
                        || (la > 0 && MemorySegment.mismatch(a, 0, la, b, 0, lb) >= 0);
                if (differs) {
                    isHidden[t] = true;
                    if (nh == hidden.length) {
                        hidden = Arrays.copyOf(hidden, nh * 2);
                    }
                    hidden[nh++] = t;
                }
            }
        }
        return new SpecialTokens(Arrays.copyOf(eog, ne), Arrays.copyOf(hidden, nh), isHidden, pieces);
    }

    boolean isHidden(int token) {
        return isHidden[token];
    }
}
