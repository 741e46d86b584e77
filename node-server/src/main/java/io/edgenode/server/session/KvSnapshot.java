package io.edgenode.server.session;

import java.util.Arrays;
import java.util.Objects;

/**
 * A KV-cache snapshot of one session's sequence ({@code llama_state_seq_get_data} bytes) and what it represents.
 *
 * <p>Arrays are not copied (the state can be many megabytes): the builder hands them over and nobody mutates them
 * afterwards. Equality compares contents.
 *
 * @param modelSha256 the model file's sha256 (hex): state bytes only make sense for the model that produced them
 * @param tokens      the tokens whose KV the state holds, in order
 * @param state       the sequence state as llama.cpp serialised it
 */
public record KvSnapshot(String modelSha256, int[] tokens, byte[] state) {
    public KvSnapshot {
        Objects.requireNonNull(modelSha256, "modelSha256");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(state, "state");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KvSnapshot k && modelSha256.equals(k.modelSha256) && Arrays.equals(tokens, k.tokens)
                && Arrays.equals(state, k.state);
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelSha256, Arrays.hashCode(tokens), Arrays.hashCode(state));
    }

    @Override
    public String toString() {
        return "KvSnapshot[modelSha256=" + modelSha256 + ", tokens=" + tokens.length + ", stateBytes=" + state.length
                + "]";
    }
}
