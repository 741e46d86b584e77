package io.edgenode.bench.load;

/**
 * How a request asks for exactly {@code max_tokens} of output, so that every endpoint generates the
 * same amount whatever its model would say: llama.cpp (and this node) and vLLM take
 * {@code ignore_eos}, vLLM also {@code min_tokens}; OpenAI itself takes neither.
 */
public enum ExactTokens {
    IGNORE_EOS(true, false), MIN_TOKENS(false, true), BOTH(true, true), NONE(false, false);

    final boolean ignoreEos;
    final boolean minTokens;

    ExactTokens(boolean ignoreEos, boolean minTokens) {
        this.ignoreEos = ignoreEos;
        this.minTokens = minTokens;
    }
}
