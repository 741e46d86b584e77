package io.edgenode.core.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One request's llama.cpp grammar sampler ({@code llama_sampler_init_grammar}). Owned by the decode
 * thread that samples its sequence: not thread-safe, like every sampler.
 *
 * <p><b>Why this class guards every call.</b> llama.cpp's grammar code does not fail gracefully
 * on a token the grammar does not allow: {@code llama_grammar_accept_impl} throws a C++ exception
 * ("Unexpected empty grammar stack") and an end-of-generation token before the grammar is complete
 * hits {@code GGML_ABORT}. Either crossing the C boundary ends the JVM. So {@link #accept} takes a
 * token only after {@link #allows} said yes for that very token (it checks again itself when the
 * caller did not), and refuses with a Java exception otherwise. {@link #allows} asks the grammar
 * the way llama.cpp's common sampler does before resampling: apply it to a one-candidate array and
 * see whether the logit became -inf. Applying never throws; it only sets logits to -inf.
 *
 * <p>Parsing runs C++ recursion (one frame per nesting level of parentheses, and per rule in a
 * left-most reference chain when checking for left recursion) on the caller's stack, so grammars
 * are refused up front past {@link #MAX_GRAMMAR_CHARS} characters or {@link #MAX_NESTING} nested
 * groups: a hostile grammar must not overflow a native stack either. Parse errors come back as
 * {@link GrammarException}; the parser prints its detailed reason to stderr (not through the log
 * callback), so the message carries what llama.cpp logged ("failed to parse grammar", "grammar
 * does not contain a 'root' symbol", "left recursion ...").
 */
public final class GrammarSampler implements AutoCloseable {
    /** Tool-call and JSON-schema grammars are a few KiB; see the class comment for why a cap. */
    public static final int MAX_GRAMMAR_CHARS = 32 * 1024;
    /** Nesting of {@code ( )} groups the binding lets the recursive C++ parser see. */
    public static final int MAX_NESTING = 64;

    /**
     * The most one grammar step over the whole vocabulary may cost when a grammar is validated.
     * Ambiguous grammars ({@code ([a-z]* [a-z]*)+}-like: several nullable repetitions in a row)
     * make llama.cpp track a number of parse stacks that grows exponentially with a piece's
     * length; on a 32000-token vocabulary one step of such a grammar can run for minutes, in
     * native code nothing can interrupt, on the engine thread.
     */
    public static final long MAX_STEP_NANOS = 1_000_000_000L;

    private static final int NONE = Integer.MIN_VALUE;

    private final Vocab vocab;
    private final TokenDataArray one = new TokenDataArray(1);
    private MemorySegment sampler;
    /** The token {@link #allows} last approved, until the next accept: the only one accept takes unchecked. */
    private int approved = NONE;

    private GrammarSampler(Vocab vocab, MemorySegment sampler) {
        this.vocab = vocab;
        this.sampler = sampler;
    }

    /**
     * Parses {@code grammar} (GBNF) with start rule {@code root} for {@code vocab}.
     *
     * @throws GrammarException when llama.cpp cannot parse it or the binding refuses it
     */
    public static GrammarSampler create(Vocab vocab, String grammar, String root) {
        Objects.requireNonNull(vocab, "vocab");
        Objects.requireNonNull(grammar, "grammar");
        Objects.requireNonNull(root, "root");
        precheck(grammar, root);
        MemorySegment s;
        String error;
        try (Arena arena = Arena.ofConfined()) {
            LlamaLog.takeLastError(); // a stale error of this thread must not be blamed on this grammar
            s = (MemorySegment) LlamaNative.llama_sampler_init_grammar.invokeExact(vocab.nativeHandle(),
                    arena.allocateFrom(grammar), arena.allocateFrom(root));
            error = LlamaLog.takeLastError();
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
        if (s.equals(MemorySegment.NULL)) {
            throw new GrammarException("invalid grammar: "
                    + (error.isEmpty() ? "llama.cpp could not parse it" : error)
                    + " (root rule '" + root + "')");
        }
        return new GrammarSampler(vocab, s);
    }

    /**
     * Parses, probes the cost of one step (see {@link #MAX_STEP_NANOS}) and frees: lets a caller
     * answer a bad grammar before submitting it. Thread-safe (a grammar of its own; the vocabulary
     * is shared read-only). Takes about one grammar step over the vocabulary (milliseconds).
     *
     * @throws GrammarException when the grammar does not parse or one step would be too slow
     */
    public static void validate(Vocab vocab, String grammar, String root) {
        try (GrammarSampler g = create(vocab, grammar, root)) {
            g.probeStepCost();
        }
    }

    /**
     * Applies the grammar to the whole vocabulary once, short pieces first, timing as it goes:
     * as the cost explodes with piece length, a grammar too expensive is caught a length or two
     * after it crosses the limit, long before the long pieces would have hung the thread. Returns
     * the nanoseconds one full step took.
     */
    long probeStepCost() {
        int[][] groups = vocab.tokensByGrammarPieceLength();
        try (TokenDataArray probe = new TokenDataArray(vocab.size())) {
            long spent = 0;
            for (int length = 0; length < groups.length; length++) {
                if (groups[length].length == 0) {
                    continue;
                }
                probe.fill(groups[length]);
                long t0 = System.nanoTime();
                apply(probe);
                spent += System.nanoTime() - t0;
                if (spent > MAX_STEP_NANOS) {
                    throw new GrammarException("grammar too expensive for this vocabulary: one step over "
                            + "tokens of up to " + length + " bytes took " + spent / 1_000_000 + " ms (limit "
                            + MAX_STEP_NANOS / 1_000_000 + " ms); ambiguous repetitions such as ([a-z]* [a-z]*)+ "
                            + "multiply llama.cpp's parse stacks");
                }
            }
            return spent;
        }
    }

    /**
     * Refuses, in Java, what must not reach the C parser: NUL characters (the C string would end
     * there), oversized text and deep nesting (native recursion). Group depth is counted outside
     * string literals, character classes and comments, as the GBNF parser reads them.
     */
    static void precheck(String grammar, String root) {
        if (grammar.length() > MAX_GRAMMAR_CHARS) {
            throw new GrammarException("grammar of " + grammar.length() + " characters exceeds the limit of "
                    + MAX_GRAMMAR_CHARS);
        }
        if (root.isEmpty() || root.indexOf('\0') >= 0) {
            throw new GrammarException("invalid root rule name '" + root + "'");
        }
        if (grammar.indexOf('\0') >= 0) {
            throw new GrammarException("grammar contains a NUL character");
        }
        int depth = 0;
        int max = 0;
        for (int i = 0; i < grammar.length(); i++) {
            char c = grammar.charAt(i);
            if (c == '"' || c == '[') {
                char close = c == '"' ? '"' : ']';
                for (i++; i < grammar.length() && grammar.charAt(i) != close; i++) {
                    if (grammar.charAt(i) == '\\') {
                        i++;
                    }
                }
            } else if (c == '#') {
                while (i < grammar.length() && grammar.charAt(i) != '\n' && grammar.charAt(i) != '\r') {
                    i++;
                }
            } else if (c == '{') {
                checkRepetition(grammar, i);
            } else if (c == '(') {
                max = Math.max(max, ++depth);
            } else if (c == ')') {
                depth--;
            }
        }
        if (max > MAX_NESTING) {
            throw new GrammarException("grammar nests groups " + max + " deep; the limit is " + MAX_NESTING);
        }
    }

    /**
     * {@code {m,n}} with {@code n < m}: llama.cpp computes the optional copies as the unsigned
     * {@code n - m}, which wraps around, and then generates rules until memory runs out (a hang,
     * then {@code std::bad_alloc} through the C boundary). Whitespace and comments between the
     * parts are skipped as the parser's {@code parse_space} does; anything else malformed is left
     * to the parser, which refuses it.
     */
    private static void checkRepetition(String g, int open) {
        int i = skipSpace(g, open + 1);
        int minEnd = digitsEnd(g, i);
        if (minEnd == i || minEnd - i > 18) {
            return;
        }
        long min = Long.parseLong(g.substring(i, minEnd));
        i = skipSpace(g, minEnd);
        if (i >= g.length() || g.charAt(i) != ',') {
            return;
        }
        i = skipSpace(g, i + 1);
        int maxEnd = digitsEnd(g, i);
        if (maxEnd == i) {
            return; // {m,}: no upper bound
        }
        if (maxEnd - i <= 18 && Long.parseLong(g.substring(i, maxEnd)) < min) {
            throw new GrammarException("repetition " + g.substring(open, Math.min(g.length(), maxEnd + 1))
                    + " has a maximum below its minimum");
        }
    }

    private static int skipSpace(String g, int i) {
        while (i < g.length()) {
            char c = g.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                i++;
            } else if (c == '#') {
                while (i < g.length() && g.charAt(i) != '\n' && g.charAt(i) != '\r') {
                    i++;
                }
            } else {
                break;
            }
        }
        return i;
    }

    private static int digitsEnd(String g, int i) {
        while (i < g.length() && g.charAt(i) >= '0' && g.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    /**
     * Whether the grammar, in its current state, allows {@code token} next. End-of-generation
     * tokens are allowed only once the grammar is complete. Approves {@code token} for the next
     * {@link #accept}.
     */
    public boolean allows(int token) {
        checkToken(token);
        one.single(token);
        apply(one);
        boolean ok = one.logitAt(0) != Float.NEGATIVE_INFINITY;
        approved = ok ? token : NONE;
        return ok;
    }

    /**
     * Sets the logit of every candidate the grammar does not allow next to -inf (in place; the
     * order is kept). Never throws from native code.
     */
    public void apply(TokenDataArray candidates) {
        try {
            LlamaNative.llama_sampler_apply.invokeExact(handle(), candidates.struct());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /**
     * Advances the grammar past {@code token}. A token {@link #allows} has not just approved is
     * checked first; one the grammar refuses throws {@link IllegalStateException} and leaves the
     * grammar as it was (llama.cpp would have thrown across the C boundary).
     */
    public void accept(int token) {
        if (approved != token && !allows(token)) {
            throw new IllegalStateException("grammar does not allow token " + token + " here");
        }
        approved = NONE;
        try {
            LlamaNative.llama_sampler_accept.invokeExact(handle(), token);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** Whether the grammar is complete here (it would allow an end-of-generation token). */
    public boolean isComplete() {
        int eos = vocab.eos();
        int probe = eos != Vocab.TOKEN_NULL ? eos : vocab.eot();
        if (probe == Vocab.TOKEN_NULL) {
            return false;
        }
        boolean complete = allows(probe);
        approved = NONE;
        return complete;
    }

    private void checkToken(int token) {
        if (token < 0 || token >= vocab.size()) {
            throw new IllegalArgumentException("token " + token + " outside the vocabulary of " + vocab.size());
        }
    }

    private MemorySegment handle() {
        MemorySegment s = sampler;
        if (s == null) {
            throw new IllegalStateException("grammar sampler is closed");
        }
        return s;
    }

    /** Frees the grammar. A second close is harmless. */
    @Override
    public void close() {
        MemorySegment s = sampler;
        if (s == null) {
            return;
        }
        sampler = null;
        one.close();
        try {
            LlamaNative.llama_sampler_free.invokeExact(s);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }
}
