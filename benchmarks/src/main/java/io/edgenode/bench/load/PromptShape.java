package io.edgenode.bench.load;

/**
 * How many words of system and user text make a first turn of the target prompt length on one
 * endpoint, from two calibration requests (8 and 72 words) and the {@code usage.prompt_tokens}
 * the endpoint reported for them, then corrected by one request of the fitted shape (a system
 * message adds its own template tokens). Immutable.
 *
 * @param tokensPerWord  prompt tokens per added word on this endpoint's tokenizer
 * @param overheadTokens prompt tokens of an empty message (chat template, BOS)
 * @param calibrated     false when the endpoint reported no usage: one token per word assumed
 */
record PromptShape(int systemWords, int userWords, double tokensPerWord, double overheadTokens, boolean calibrated) {
    static final int SHORT_WORDS = 8;
    static final int LONG_WORDS = 72;

    /** The shape for {@code targetTokens} given the two calibration counts (-1: not reported). */
    static PromptShape fit(int targetTokens, double systemRatio, int shortTokens, int longTokens) {
        boolean ok = shortTokens > 0 && longTokens > shortTokens;
        double perWord = ok ? (longTokens - shortTokens) / (double) (LONG_WORDS - SHORT_WORDS) : 1.0;
        double overhead = ok ? Math.max(0, shortTokens - SHORT_WORDS * perWord) : 0;
        int words = (int) Math.max(2, Math.round((targetTokens - overhead) / perWord));
        int system = (int) Math.round(systemRatio * words);
        int user = Math.max(1, words - system);
        return new PromptShape(system, user, perWord, overhead, ok);
    }

    /** This shape with the user text resized by what a request of this shape measured ({@code measuredTokens}) missed. */
    PromptShape corrected(int targetTokens, int measuredTokens) {
        if (!calibrated || measuredTokens <= 0) {
            return this;
        }
        int user = (int) Math.max(1, userWords + Math.round((targetTokens - measuredTokens) / tokensPerWord));
        return new PromptShape(systemWords, user, tokensPerWord, overheadTokens, calibrated);
    }
}
