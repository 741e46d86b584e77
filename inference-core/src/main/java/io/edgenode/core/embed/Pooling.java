package io.edgenode.core.embed;

import java.util.Locale;

/** How token vectors become one text vector. */
public enum Pooling {
    /** Mean over the tokens the attention mask keeps (sentence-transformers' MiniLM, E5, GTE). */
    MEAN,
    /** The first token's vector, {@code [CLS]} (BGE). */
    CLS;

    /** {@code mean} or {@code cls}, as models.yaml spells them. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
