package io.edgenode.server.session;

import java.util.Arrays;
import java.util.Objects;

/**
 * The exact tokens the model's KV holds after a session's last turn (prompt + generated, as decoded) and the text
 * they render to, so the next turn can prefill only its new tokens. Replaced by every appended turn.
 *
 * <p>The array is not copied (it can be a whole context long): whoever builds a continuation hands the array over
 * and nobody mutates it afterwards. Equality compares the tokens' contents.
 *
 * @param modelId the model whose tokenizer produced the tokens
 */
public record Continuation(String modelId, int[] tokens, String text) {
    public Continuation {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(text, "text");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Continuation c && modelId.equals(c.modelId) && Arrays.equals(tokens, c.tokens)
                && text.equals(c.text);
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelId, Arrays.hashCode(tokens), text);
    }

    @Override
    public String toString() {
        return "Continuation[modelId=" + modelId + ", tokens=" + tokens.length + ", textChars=" + text.length() + "]";
    }
}
