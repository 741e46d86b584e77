package io.edgenode.core.engine;

/**
 * Log-probabilities at one sampled position, from the model's raw logits (before logit bias,
 * penalties, temperature or a grammar): the sampled {@code token}'s {@code logprob} and the
 * {@code topTokens.length} most likely tokens, most likely first. Crosses threads: the arrays are
 * the record's own and must not be changed.
 */
public record TokenLogprobs(int token, float logprob, int[] topTokens, float[] topLogprobs) {
    public TokenLogprobs {
        if (topTokens.length != topLogprobs.length) {
            throw new IllegalArgumentException("top tokens and logprobs differ in length");
        }
    }
}
