package io.edgenode.server.openai;

import java.util.Map;

/**
 * A request's per-token controls: {@code logit_bias} (token id to a bias from -100 to 100) and how
 * many alternatives its log probabilities list ({@code top_logprobs} on chat, {@code logprobs} on
 * text completions; -1 when the request wants no log probabilities). Immutable.
 */
public record TokenControls(Map<Integer, Float> logitBias, int topLogprobs) {
    /** No bias, no log probabilities. */
    public static final TokenControls NONE = new TokenControls(Map.of(), -1);

    public TokenControls {
        logitBias = Map.copyOf(logitBias);
        if (topLogprobs < -1 || topLogprobs > 20) {
            throw new IllegalArgumentException("top logprobs must be -1..20, got " + topLogprobs);
        }
    }

    /** Whether the response carries log probabilities. */
    public boolean logprobs() {
        return topLogprobs >= 0;
    }

    /**
     * Checks the biased ids against a model's vocabulary of {@code vocabSize} tokens.
     *
     * @throws ApiException 400 {@code logit_bias} naming the first id the vocabulary lacks
     */
    public void check(int vocabSize) {
        for (int token : logitBias.keySet()) {
            if (token >= vocabSize) {
                throw new ApiException(ApiError.invalidRequest("logit_bias", "invalid_value", "Invalid key in"
                        + " 'logit_bias': token " + token + " is not in the model's vocabulary of " + vocabSize
                        + " tokens."));
            }
        }
    }
}
