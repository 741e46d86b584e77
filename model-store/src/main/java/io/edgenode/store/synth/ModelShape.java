package io.edgenode.store.synth;

/**
 * The hyperparameters of a synthetic llama-architecture model.
 *
 * @param nEmbd         hidden size; a multiple of {@code nHead}
 * @param nLayer        transformer blocks
 * @param nHead         query heads; a multiple of {@code nHeadKv}
 * @param nHeadKv       key/value heads (grouped-query attention when fewer than {@code nHead})
 * @param nFf           feed-forward inner size
 * @param contextLength training context length written to the file
 * @param vocabSize     tokens; at least {@value #MIN_VOCAB_SIZE} (3 specials and 256 byte tokens)
 */
public record ModelShape(int nEmbd, int nLayer, int nHead, int nHeadKv, int nFf, int contextLength, int vocabSize) {

    /** Room for {@code <unk>}, {@code <s>}, {@code </s>} and the 256 byte tokens of the byte vocabulary. */
    public static final int MIN_VOCAB_SIZE = ByteVocabulary.FIRST_NORMAL_ID;

    public ModelShape {
        requirePositive("nEmbd", nEmbd);
        requirePositive("nLayer", nLayer);
        requirePositive("nHead", nHead);
        requirePositive("nHeadKv", nHeadKv);
        requirePositive("nFf", nFf);
        requirePositive("contextLength", contextLength);
        if (nEmbd % nHead != 0) {
            throw new IllegalArgumentException("nEmbd " + nEmbd + " is not a multiple of nHead " + nHead);
        }
        if (nHead % nHeadKv != 0) {
            throw new IllegalArgumentException("nHead " + nHead + " is not a multiple of nHeadKv " + nHeadKv);
        }
        if ((nEmbd / nHead) % 2 != 0) {
            // RoPE rotates pairs of head dimensions.
            throw new IllegalArgumentException("head dimension " + nEmbd / nHead + " must be even for RoPE");
        }
        if (vocabSize < MIN_VOCAB_SIZE) {
            throw new IllegalArgumentException("vocabSize " + vocabSize + " is below " + MIN_VOCAB_SIZE
                    + " (3 special tokens + 256 byte tokens)");
        }
    }

    /** Size of one attention head (and the RoPE dimension count). */
    public int headDim() {
        return nEmbd / nHead;
    }

    /** Width of the K and V projections: {@code headDim * nHeadKv}. */
    public int nEmbdKv() {
        return headDim() * nHeadKv;
    }

    public ModelShape withVocabSize(int newVocabSize) {
        return new ModelShape(nEmbd, nLayer, nHead, nHeadKv, nFf, contextLength, newVocabSize);
    }

    /** Weights of the llama layout: embeddings, output, and per block attention, FFN and two norms. */
    public long parameterCount() {
        long e = nEmbd;
        long perBlock = 2 * e * e + 2 * e * nEmbdKv() + 3 * e * nFf + 2 * e;
        return 2 * e * vocabSize + e + nLayer * perBlock;
    }

    private static void requirePositive(String name, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
    }
}
