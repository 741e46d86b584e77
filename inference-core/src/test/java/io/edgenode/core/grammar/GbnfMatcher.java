package io.edgenode.core.grammar;

import java.util.Set;
import java.util.TreeSet;

/**
 * Decides whether a string is in a {@link GbnfGrammar}'s language, for tests: every parse is
 * followed (sets of end positions), so it is exact but slow; fine for short inputs and grammars
 * without left recursion (ours have none). Stateless apart from the grammar.
 */
final class GbnfMatcher {
    private final GbnfGrammar grammar;

    GbnfMatcher(GbnfGrammar grammar) {
        this.grammar = grammar;
    }

    static boolean matches(String grammarText, String input) {
        return new GbnfMatcher(GbnfGrammar.parse(grammarText)).matches(input);
    }

    boolean matches(String input) {
        int[] cps = input.codePoints().toArray();
        return ends(new GbnfGrammar.Ref("root"), cps, 0).contains(cps.length);
    }

    private Set<Integer> ends(GbnfGrammar.Expr expr, int[] in, int pos) {
        Set<Integer> out = new TreeSet<>();
        switch (expr) {
            case GbnfGrammar.Lit lit -> {
                int[] cps = lit.codePoints();
                if (pos + cps.length <= in.length) {
                    for (int k = 0; k < cps.length; k++) {
                        if (in[pos + k] != cps[k]) {
                            return out;
                        }
                    }
                    out.add(pos + cps.length);
                }
            }
            case GbnfGrammar.CharClass cc -> {
                if (pos < in.length && cc.matches(in[pos])) {
                    out.add(pos + 1);
                }
            }
            case GbnfGrammar.Ref ref -> out.addAll(ends(grammar.rules.get(ref.name()), in, pos));
            case GbnfGrammar.Seq seq -> {
                Set<Integer> current = Set.of(pos);
                for (GbnfGrammar.Expr item : seq.items()) {
                    Set<Integer> next = new TreeSet<>();
                    for (int p : current) {
                        next.addAll(ends(item, in, p));
                    }
                    current = next;
                }
                out.addAll(current);
            }
            case GbnfGrammar.Alt alt -> alt.options().forEach(o -> out.addAll(ends(o, in, pos)));
            case GbnfGrammar.Repeat rep -> {
                Set<Integer> current = Set.of(pos);
                int count = 0;
                if (rep.min() == 0) {
                    out.add(pos);
                }
                while (!current.isEmpty() && (rep.max() < 0 || count < rep.max())) {
                    Set<Integer> next = new TreeSet<>();
                    for (int p : current) {
                        for (int e : ends(rep.item(), in, p)) {
                            if (e > p || rep.max() >= 0) { // an empty match adds nothing to an open repeat
                                next.add(e);
                            }
                        }
                    }
                    count++;
                    if (count >= rep.min()) {
                        out.addAll(next);
                    }
                    if (next.equals(current)) {
                        break;
                    }
                    current = next;
                }
            }
        }
        return out;
    }
}
