package io.edgenode.bench.load;

import java.util.SplittableRandom;

/**
 * Deterministic prompt text: words drawn from a fixed list by a seeded generator, so the same
 * request index gets the same text on every endpoint, and different indexes share no prefix
 * (nothing comes from a prefix cache unless the workload shares a system prompt on purpose).
 * Stateless.
 */
final class PromptText {
    private static final String[] WORDS = (
            "time year people way day man thing woman life child world school state family student group country"
            + " problem hand part place case week company system program question work government number night"
            + " point home water room mother area money story fact month lot right study book eye job word"
            + " business issue side kind head house service friend father power hour game line end member law"
            + " car city community name president team minute idea kid body information back parent face others"
            + " level office door health person art war history party result change morning reason research girl"
            + " guy moment air teacher force education river stone light green quick north garden")
            .split(" ");

    private PromptText() {}

    /** {@code words} words separated by spaces, a function of {@code seed} only. */
    static String words(long seed, int words) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(words * 7);
        for (int i = 0; i < words; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(WORDS[random.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    /** A seed for one request that no other (repeat, level, conversation, turn) shares. */
    static long seed(long base, int repeat, int concurrency, int conversation, int turn) {
        long h = base;
        for (long v : new long[] {repeat, concurrency, conversation, turn}) {
            h = h * 0x9E3779B97F4A7C15L + v + 1;
            h ^= h >>> 29;
        }
        return h;
    }
}
