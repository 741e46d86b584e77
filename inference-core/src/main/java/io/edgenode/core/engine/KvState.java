package io.edgenode.core.engine;

import java.util.Objects;

/**
 * One sequence's KV cache as llama.cpp serializes it ({@code llama_state_seq_get_data}), with the
 * tokens whose keys and values it holds (positions {@code 0..tokens.length-1}). Immutable by
 * convention: the arrays are not copied (they can be tens of megabytes), so neither side may
 * change them after handing them over.
 *
 * <p>The bytes are only meaningful for the model (and KV type) that produced them; whoever stores
 * them keys them by the model file's digest. llama.cpp validates the layout when restoring and
 * refuses a mismatch (another shape, a truncated buffer) without touching other sequences.
 */
public record KvState(int[] tokens, byte[] state) {
    public KvState {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(state, "state");
    }

    public int tokenCount() {
        return tokens.length;
    }
}
