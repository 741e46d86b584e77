package io.edgenode.core.llama;

/**
 * {@code enum llama_pooling_type}: how an embeddings context turns a sequence's token vectors into
 * one vector. {@code RANK} (reranker heads) is left out: its output is not an embedding.
 */
public enum PoolingType {
    /** The model's own ({@code <arch>.pooling_type} in its GGUF), none when it has none. */
    UNSPECIFIED(-1),
    /** No pooling: per-token vectors only, nothing per sequence. */
    NONE(0),
    MEAN(1),
    CLS(2),
    LAST(3);

    final int id;

    PoolingType(int id) {
        this.id = id;
    }

    /** The constant for llama.cpp's id; RANK and unknown ids are refused. */
    static PoolingType ofId(int id) {
        for (PoolingType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        throw new LlamaException("unsupported llama.cpp pooling type " + id);
    }
}
