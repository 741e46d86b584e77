package io.edgenode.core.engine;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;

/**
 * Log-softmax over a whole logits row, only for requests that ask for logprobs. Stateless.
 *
 * <p>Numerically stable: {@code logprob(i) = x_i - max - log(sum_j exp(x_j - max))}, summed in
 * double. Top-N is a partial insertion sort of at most {@link GenerationRequest#MAX_TOP_LOGPROBS}
 * entries: one pass over the row, no sort of the vocabulary.
 */
final class Logprobs {
    private Logprobs() {}

    static TokenLogprobs of(MemorySegment logits, int token, int top) {
        int n = (int) (logits.byteSize() / Float.BYTES);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits.getAtIndex(JAVA_FLOAT, i));
        }
        double sum = 0;
        int k = Math.min(top, n);
        int[] ids = new int[k];
        float[] best = new float[k];
        int filled = 0;
        for (int i = 0; i < n; i++) {
            float x = logits.getAtIndex(JAVA_FLOAT, i);
            sum += Math.exp((double) x - max);
            if (k > 0 && (filled < k || x > best[filled - 1])) {
                int at = filled < k ? filled++ : k - 1;
                // ties keep the lower id first, as a stable sort by logit would
                while (at > 0 && best[at - 1] < x) {
                    best[at] = best[at - 1];
                    ids[at] = ids[at - 1];
                    at--;
                }
                best[at] = x;
                ids[at] = i;
            }
        }
        double logZ = max + Math.log(sum);
        float[] topLp = new float[k];
        for (int j = 0; j < k; j++) {
            topLp[j] = (float) Math.min(0, best[j] - logZ);
        }
        float lp = (float) Math.min(0, logits.getAtIndex(JAVA_FLOAT, token) - logZ);
        return new TokenLogprobs(token, lp, ids, topLp);
    }
}
