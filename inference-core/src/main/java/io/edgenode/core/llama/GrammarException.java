package io.edgenode.core.llama;

/**
 * A GBNF grammar llama.cpp cannot use (syntax error, missing root rule, left recursion) or one the
 * binding refuses before it reaches llama.cpp (too large, too deeply nested, NUL characters). The
 * client's mistake: servers answer it with 400.
 */
public final class GrammarException extends LlamaException {
    public GrammarException(String message) {
        super(message);
    }
}
