package io.edgenode.bench.engine;

import io.edgenode.core.llama.Vocab;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random prompts of exact token counts. Every prompt is different (seeded, never repeated within
 * a process), so the engine's prefix cache finds nothing to reuse and every prompt token is
 * prefilled, as in llama-batched-bench without {@code -pps}. Control tokens are skipped.
 * Confined to the benchmark's main thread.
 */
final class Prompts {
    private final Vocab vocab;
    private final SplittableRandom random;

    Prompts(Vocab vocab, long seed) {
        this.vocab = vocab;
        this.random = new SplittableRandom(seed);
    }

    int[] next(int length) {
        int[] tokens = new int[length];
        for (int i = 0; i < length; i++) {
            int t;
            do {
                t = random.nextInt(vocab.size());
            } while (vocab.isControl(t));
            tokens[i] = t;
        }
        return tokens;
    }

    List<int[]> next(int count, int length) {
        List<int[]> prompts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            prompts.add(next(length));
        }
        return prompts;
    }
}
