package io.edgenode.core.embed;

import java.util.Locale;

/** How token vectors become one text vector. */
public enum Pooling {
    /** Mean over the tokens the attention mask keeps (sentence-transformers' MiniLM, E5, GTE). */
    MEAN,
    /** The first token's vector, {@code [CLS]} (BGE). */
    CLS,
    /** The last token's vector (decoder embedding models: Qwen3-Embedding, e5-mistral). GGUF only. */
    LAST,
    /** Whatever the model file declares ({@code <arch>.pooling_type}). GGUF only. */
    MODEL;

    /** Whether an ONNX model can pool this way (it pools in Java: mean or [CLS] only). */
    public boolean onnxSupported() {
        return this == MEAN || this == CLS;
    }

    /** {@code mean}, {@code cls}, {@code last} or {@code model}, as models.yaml spells them. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
