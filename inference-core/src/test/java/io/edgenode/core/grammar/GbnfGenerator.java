package io.edgenode.core.grammar;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Draws random strings from a {@link GbnfGrammar}, for tests. Confined to one thread (it owns its
 * {@link Random}).
 *
 * <p>Termination: each expression's cheapest derivation (fewest characters and rule steps) is
 * computed up front; past {@code maxDepth} nested rule references, or past a character budget,
 * every choice takes its cheapest option and every repetition its minimum, so a recursive grammar
 * ({@code value}, {@code object}) always ends. Negated classes draw from a pool of ASCII, control,
 * non-ASCII and non-BMP characters; ranges skip surrogates.
 */
final class GbnfGenerator {
    private static final int[] POOL;

    static {
        StringBuilder pool = new StringBuilder();
        for (char c = 0x20; c < 0x7F; c++) {
            pool.append(c);
        }
        pool.append("\t\n\r\u0000\u001f\u007féß中文Ωж😀𝄞");
        POOL = pool.codePoints().toArray();
    }

    private final GbnfGrammar grammar;
    private final Random random;
    private final int maxDepth;
    private final int maxChars;
    private final Map<GbnfGrammar.Expr, Long> cost = new IdentityHashMap<>();
    private final Map<String, Long> ruleCost = new HashMap<>();

    GbnfGenerator(GbnfGrammar grammar, long seed, int maxDepth, int maxChars) {
        this.grammar = grammar;
        this.random = new Random(seed);
        this.maxDepth = maxDepth;
        this.maxChars = maxChars;
        computeCosts();
    }

    String generate() {
        return generate("root");
    }

    String generate(String rule) {
        StringBuilder out = new StringBuilder();
        emit(new GbnfGrammar.Ref(rule), 0, out);
        return out.toString();
    }

    private static final long INF = Long.MAX_VALUE / 4;

    private void computeCosts() {
        grammar.rules.keySet().forEach(r -> ruleCost.put(r, INF));
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Map.Entry<String, GbnfGrammar.Expr> e : grammar.rules.entrySet()) {
                long c = Math.min(INF, 1 + costOf(e.getValue()));
                if (c < ruleCost.get(e.getKey())) {
                    ruleCost.put(e.getKey(), c);
                    changed = true;
                }
            }
        }
        for (Map.Entry<String, Long> e : ruleCost.entrySet()) {
            if (e.getValue() >= INF) {
                throw new IllegalArgumentException("rule " + e.getKey() + " never terminates");
            }
        }
    }

    private long costOf(GbnfGrammar.Expr expr) {
        long c = switch (expr) {
            case GbnfGrammar.Lit lit -> lit.codePoints().length;
            case GbnfGrammar.CharClass cc -> 1;
            case GbnfGrammar.Ref ref -> Math.min(INF, 1 + ruleCost.get(ref.name()));
            case GbnfGrammar.Seq seq -> {
                long sum = 0;
                for (GbnfGrammar.Expr item : seq.items()) {
                    sum = Math.min(INF, sum + costOf(item));
                }
                yield sum;
            }
            case GbnfGrammar.Alt alt -> {
                long min = INF;
                for (GbnfGrammar.Expr option : alt.options()) {
                    min = Math.min(min, costOf(option));
                }
                yield min;
            }
            case GbnfGrammar.Repeat rep -> {
                long item = costOf(rep.item());
                yield rep.min() == 0 ? 0 : Math.min(INF, rep.min() * Math.min(item, INF / 4096));
            }
        };
        cost.put(expr, c);
        return c;
    }

    private boolean frugal(int depth, StringBuilder out) {
        return depth >= maxDepth || out.length() >= maxChars;
    }

    private void emit(GbnfGrammar.Expr expr, int depth, StringBuilder out) {
        switch (expr) {
            case GbnfGrammar.Lit lit -> {
                for (int cp : lit.codePoints()) {
                    out.appendCodePoint(cp);
                }
            }
            case GbnfGrammar.CharClass cc -> out.appendCodePoint(pick(cc));
            case GbnfGrammar.Ref ref -> emit(grammar.rules.get(ref.name()), depth + 1, out);
            case GbnfGrammar.Seq seq -> seq.items().forEach(item -> emit(item, depth, out));
            case GbnfGrammar.Alt alt -> emit(choose(alt.options(), depth, out), depth, out);
            case GbnfGrammar.Repeat rep -> {
                int n = rep.min();
                if (!frugal(depth, out)) {
                    int extra = rep.max() < 0 ? 4 : rep.max() - rep.min();
                    // small counts mostly, the maximum sometimes, so bounds get exercised
                    n += random.nextInt(8) == 0 ? extra : random.nextInt(Math.min(extra, 4) + 1);
                }
                for (int i = 0; i < n; i++) {
                    emit(rep.item(), depth, out);
                }
            }
        }
    }

    private GbnfGrammar.Expr choose(List<GbnfGrammar.Expr> options, int depth, StringBuilder out) {
        if (frugal(depth, out)) {
            GbnfGrammar.Expr best = options.getFirst();
            for (GbnfGrammar.Expr o : options) {
                if (cost.get(o) < cost.get(best)) {
                    best = o;
                }
            }
            return best;
        }
        return options.get(random.nextInt(options.size()));
    }

    private int pick(GbnfGrammar.CharClass cc) {
        if (!cc.negated()) {
            for (int attempt = 0; attempt < 100; attempt++) {
                int[] r = cc.ranges().get(random.nextInt(cc.ranges().size()));
                long span = (long) r[1] - r[0] + 1;
                int cp = r[0] + (int) (span > 1000 && random.nextBoolean()
                        ? random.nextInt(Math.min((int) span, 256)) // mostly near the low end: ASCII-ish
                        : Math.floorMod(random.nextLong(), span));
                if (cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE) {
                    return cp;
                }
            }
            throw new IllegalStateException("no code point drawn from " + cc);
        }
        for (int attempt = 0; attempt < 1000; attempt++) {
            int cp = POOL[random.nextInt(POOL.length)];
            if (cc.matches(cp)) {
                return cp;
            }
        }
        throw new IllegalStateException("negated class excludes the whole pool");
    }
}
