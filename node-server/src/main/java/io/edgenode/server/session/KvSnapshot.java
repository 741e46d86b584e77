package io.edgenode.server.session;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * A KV-cache snapshot of one session's sequence to be written ({@code llama_state_seq_get_data} bytes) and what it
 * represents. A view: it owns nothing; whoever built it keeps the state's memory alive until the write returns (the
 * snapshot writer holds the engine's {@link io.edgenode.core.engine.KvState} and closes it afterwards).
 *
 * <p>The token array is not copied (it can be large): nobody mutates it after handing it over. Equality compares
 * contents.
 *
 * @param modelSha256 the model file's sha256 (hex): state bytes only make sense for the model that produced them
 * @param tokens      the tokens whose KV the state holds, in order
 * @param state       the sequence state as llama.cpp serialised it (native memory; any segment is accepted)
 */
public record KvSnapshot(String modelSha256, int[] tokens, MemorySegment state) {
    public KvSnapshot {
        Objects.requireNonNull(modelSha256, "modelSha256");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(state, "state");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KvSnapshot k && modelSha256.equals(k.modelSha256) && Arrays.equals(tokens, k.tokens)
                && state.mismatch(k.state) < 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelSha256, Arrays.hashCode(tokens), state.byteSize());
    }

    @Override
    public String toString() {
        return "KvSnapshot[modelSha256=" + modelSha256 + ", tokens=" + tokens.length + ", stateBytes="
                + state.byteSize() + "]";
    }
}
