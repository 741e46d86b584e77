package io.edgenode.core.engine;

import java.util.List;
import java.util.Objects;

/**
 * A grammar that constrains what a generation may produce (tool calls, structured output): GBNF
 * text and its root rule, applied by llama.cpp's grammar sampler.
 *
 * <p>With no {@code triggers} the grammar holds from the first generated token. With triggers it is
 * lazy: output is free until the text contains one of the trigger words, and the grammar then holds
 * for what follows the word (the grammar does not include the word). A trigger word never ends
 * inside a token: the engine refuses a token that would complete a trigger and run past it, so the
 * grammar always starts on a token boundary.
 */
public record Constraint(String grammar, String root, List<String> triggers) {
    public Constraint {
        Objects.requireNonNull(grammar, "grammar");
        Objects.requireNonNull(root, "root");
        triggers = triggers == null ? List.of() : List.copyOf(triggers);
        if (grammar.isBlank()) {
            throw new IllegalArgumentException("empty grammar");
        }
        for (String t : triggers) {
            if (t.isEmpty()) {
                throw new IllegalArgumentException("empty trigger word");
            }
        }
    }

    /** A grammar that holds from the first token. */
    public static Constraint of(String grammar) {
        return new Constraint(grammar, "root", List.of());
    }

    /**
     * Parses the grammar for {@code vocab} and probes its cost, on the caller's thread (what
     * {@link Engine#submit} does too): lets the HTTP layer answer 400 before submitting.
     *
     * @throws io.edgenode.core.llama.GrammarException when llama.cpp cannot use the grammar
     */
    public void validate(io.edgenode.core.llama.Vocab vocab) {
        io.edgenode.core.llama.GrammarSampler.validate(vocab, grammar, root);
    }

    /** Whether the grammar waits for a trigger word. */
    public boolean isLazy() {
        return !triggers.isEmpty();
    }
}
