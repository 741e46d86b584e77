package io.edgenode.core.engine;

import io.edgenode.core.llama.GrammarSampler;
import io.edgenode.core.llama.SamplerChain;
import io.edgenode.core.llama.SamplingParams;
import io.edgenode.core.llama.TokenDataArray;
import io.edgenode.core.llama.Vocab;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Samples one sequence under its {@link Constraint}. Confined to the engine thread, like the
 * sequence's {@link SamplerChain}, which it drives through {@link SamplerChain#apply} so that a
 * token is recorded (penalty history, grammar state) only once it is final.
 *
 * <p><b>Fast path, then resample</b> (as llama.cpp's common sampler): the chain samples the full
 * row as usual; if the grammar allows that one token it is taken. Otherwise the row is filled again,
 * the grammar sets every token it refuses to -inf, and the rest of the chain (bias, penalties,
 * top-k/p, min-p, temperature, draw; greedy = argmax of the allowed) runs on what is left. No token
 * left means a dead end: the sequence ends (STOP) and nothing is accepted. An end-of-generation
 * token passes only where the grammar is complete; with {@code ignore_eos} it is masked while any
 * other token is allowed, so a complete grammar that allows nothing else still ends the sequence.
 * Tokens the grammar would read as text the client never sees ({@link SpecialTokens#hidden}:
 * {@code <s>} rendered for the grammar, nothing for the client) are refused under a grammar, and
 * so are tokens that would make the text ill-formed UTF-8 ({@link Utf8Guard}).
 *
 * <p><b>Lazy triggers in Java.</b> llama.cpp's {@code llama_sampler_init_grammar_lazy_patterns} is
 * not used: when its pattern matches it replays the buffered tokens' text from the match on into
 * the grammar with {@code llama_grammar_accept_token}, partial pieces included, and a piece the
 * grammar rejects throws a C++ exception across the C boundary (the JVM dies); its
 * {@code std::regex} search also runs over the whole buffered output, and libstdc++'s regex
 * recursion grows with that text (a long free-text preamble can overflow the native stack). Here
 * {@link TriggerWatch} matches plain words, and a token that would complete a word and run past
 * its end is refused: masked, the row resampled, at most {@value #OVERRUN_RESAMPLES} times; then,
 * as the fallback, every token whose piece would overrun is masked and the chain samples once
 * more (one scan of the vocabulary, rare). So the grammar's text always starts on a token boundary
 * and the grammar only ever sees whole tokens, each checked before it is accepted.
 *
 * <p><b>The top of the row first.</b> Masking the whole vocabulary costs a grammar check per token
 * (milliseconds on a 32,000-token vocabulary). When the chain only truncates raw logits (no logit
 * bias, no penalties) and keeps the top {@code k <= }{@value #SCAN} (greedy: 1), the resample
 * looks at the {@value #SCAN} highest logits only, highest first: if {@code k} of them are allowed,
 * they are exactly the tokens the chain's top-k would keep from the masked row, so the chain runs
 * on those {@code k} and the draw is the same as the full path's. Otherwise the full path runs.
 *
 * <p>The grammar is parsed at admission, not at the trigger: a lazy grammar then cannot fail in the
 * middle of a stream, and it starts in its initial state whenever the trigger comes.
 */
final class ConstrainedSampler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ConstrainedSampler.class.getName());

    /** What {@link #sample} returns when no token may come next. */
    static final int DEAD_END = -1;
    static final int OVERRUN_RESAMPLES = 4;
    /** How many of a row's highest logits the resample checks before masking the whole row. */
    static final int SCAN = 128;
    private static final int NO_SHORTCUT = -2;

    private final Vocab vocab;
    private final GrammarSampler grammar;
    private final TriggerWatch triggers;
    private final boolean ignoreEos;
    /** End-of-generation and hidden tokens of the vocabulary (computed once per engine). */
    private final SpecialTokens specials;
    private final Arena arena = Arena.ofShared();
    private MemorySegment pieceBuf = arena.allocate(128);
    private byte[] piece = new byte[128];
    private int pieceLength;
    private String deadEndReason;
    private final Utf8Guard utf8 = new Utf8Guard();
    /** Tokens that needed the full-array path (tests, metrics). */
    long resamples;
    /** Of those, resamples the top of the row answered (tests). */
    long shortcuts;
    /** Whether the resample may take the top of the row first (tests compare both ways). */
    boolean topOfRowFirst = true;
    private final int[] scanTokens = new int[SCAN];
    private final float[] scanLogits = new float[SCAN];
    private final int[] keepTokens = new int[SCAN];
    private final float[] keepLogits = new float[SCAN];
    private TokenDataArray topCandidates;

    private ConstrainedSampler(Vocab vocab, GrammarSampler grammar, TriggerWatch triggers, boolean ignoreEos,
            SpecialTokens specials) {
        this.vocab = vocab;
        this.grammar = grammar;
        this.triggers = triggers;
        this.ignoreEos = ignoreEos;
        this.specials = specials;
    }

    /** @throws io.edgenode.core.llama.GrammarException when the grammar does not parse */
    static ConstrainedSampler open(Vocab vocab, Constraint constraint, boolean ignoreEos, SpecialTokens specials) {
        GrammarSampler g = GrammarSampler.create(vocab, constraint.grammar(), constraint.root());
        return new ConstrainedSampler(vocab, g, constraint.isLazy() ? new TriggerWatch(constraint.triggers()) : null,
                ignoreEos, specials);
    }

    /** Whether the grammar holds now (from the start, or since its trigger word). */
    boolean active() {
        return triggers == null || triggers.triggered();
    }

    /** Why the last {@link #sample} returned {@link #DEAD_END}. */
    String deadEndReason() {
        return deadEndReason;
    }

    /**
     * The next token for a row of {@code logits}, already recorded in the chain and the grammar,
     * or {@link #DEAD_END}. {@code candidates} is the engine's scratch array (vocabulary-sized).
     */
    int sample(SamplerChain chain, MemorySegment logits, TokenDataArray candidates) {
        candidates.fill(logits);
        int token = chain.apply(candidates);
        if (token < 0) {
            return deadEnd("the sampler chain selected no token");
        }
        if (active()) {
            boolean eogToIgnore = ignoreEos && vocab.isEndOfGeneration(token);
            byte[] bytes = specials.pieces[token];
            if (!eogToIgnore && !specials.isHidden(token) && utf8.allows(bytes, bytes.length)
                    && grammar.allows(token)) {
                return take(chain, token);
            }
            resamples++;
            return sampleGrammar(chain, logits, candidates);
        }
        if (triggers.scan(piece(token), pieceLength) != TriggerWatch.OVERRUN) {
            return take(chain, token);
        }
        resamples++;
        return sampleAvoidingOverrun(chain, logits, candidates, token);
    }

    private int sampleGrammar(SamplerChain chain, MemorySegment logits, TokenDataArray candidates) {
        int quick = sampleAmongTop(chain, logits);
        if (quick != NO_SHORTCUT) {
            return quick;
        }
        candidates.fill(logits);
        for (int t : specials.hidden) {
            candidates.refuse(t);
        }
        byte[][] pieces = specials.pieces;
        for (int t = 0; t < pieces.length; t++) {
            if (!utf8.allows(pieces[t], pieces[t].length)) {
                candidates.refuse(t);
            }
        }
        long t0 = System.nanoTime();
        grammar.apply(candidates);
        long took = System.nanoTime() - t0;
        if (took > 2 * GrammarSampler.MAX_STEP_NANOS) {
            // Its stacks grew past what submit probed: stop before the next step takes longer still.
            throw new io.edgenode.core.llama.GrammarException("grammar step took " + took / 1_000_000
                    + " ms; the grammar is too expensive for this vocabulary");
        }
        int allowed = 0;
        for (int i = 0, n = candidates.size(); i < n; i++) {
            if (candidates.logitAt(i) != Float.NEGATIVE_INFINITY) {
                allowed++;
            }
        }
        int allowedEog = 0;
        for (int t : specials.eog) {
            if (candidates.logitAt(t) != Float.NEGATIVE_INFINITY) {
                allowedEog++;
            }
        }
        if (allowed == 0) {
            return deadEnd("the grammar allows no token of the vocabulary here");
        }
        if (ignoreEos && allowedEog > 0 && allowed > allowedEog) {
            for (int t : specials.eog) {
                candidates.refuse(t);
            }
        }
        int token = chain.apply(candidates);
        if (token < 0 || !utf8.allows(pieces[token], pieces[token].length) || !grammar.allows(token)) {
            // Cannot happen with llama.cpp's samplers (-inf stays -inf); never accept a refused token.
            return deadEnd("the sampler chain selected no token the grammar allows");
        }
        return take(chain, token);
    }

    /** The resample from the row's highest logits (see the class comment), or {@link #NO_SHORTCUT}. */
    private int sampleAmongTop(SamplerChain chain, MemorySegment logits) {
        if (!topOfRowFirst || chain.changesLogits()) {
            return NO_SHORTCUT;
        }
        SamplingParams p = chain.params();
        int k = p.isGreedy() ? 1 : p.topK();
        if (k <= 0 || k > SCAN) {
            return NO_SHORTCUT;
        }
        int m = topOfRow(logits);
        int found = 0;
        for (int i = 0; i < m && found < k; i++) {
            int t = scanTokens[i];
            if (specials.isHidden(t) || ignoreEos && vocab.isEndOfGeneration(t)) {
                continue;
            }
            byte[] bytes = specials.pieces[t];
            if (utf8.allows(bytes, bytes.length) && grammar.allows(t)) {
                keepTokens[found] = t;
                keepLogits[found] = scanLogits[i];
                found++;
            }
        }
        if (found < k) {
            return NO_SHORTCUT; // an allowed token further down may belong to the top-k
        }
        if (topCandidates == null) {
            topCandidates = new TokenDataArray(SCAN);
        }
        topCandidates.fill(keepTokens, keepLogits, found);
        int token = chain.apply(topCandidates);
        if (token < 0) {
            return NO_SHORTCUT;
        }
        shortcuts++;
        return take(chain, token); // the grammar checks it again: allows() last approved another token
    }

    /**
     * The row's {@value #SCAN} highest logits, highest first, into {@link #scanTokens} and
     * {@link #scanLogits} (a min-heap over one pass of the row); returns how many there are.
     */
    private int topOfRow(MemorySegment logits) {
        int n = (int) (logits.byteSize() / Float.BYTES);
        int size = 0;
        for (int t = 0; t < n; t++) {
            float v = logits.getAtIndex(ValueLayout.JAVA_FLOAT, t);
            if (size < SCAN) {
                int i = size++;
                while (i > 0 && scanLogits[(i - 1) >>> 1] > v) { // sift up
                    int parent = (i - 1) >>> 1;
                    scanLogits[i] = scanLogits[parent];
                    scanTokens[i] = scanTokens[parent];
                    i = parent;
                }
                scanLogits[i] = v;
                scanTokens[i] = t;
            } else if (v > scanLogits[0]) {
                siftDown(v, t, size);
            }
        }
        // Pop the minimum into the freed last place, SCAN times: the arrays end highest first.
        for (int end = size - 1; end > 0; end--) {
            float v = scanLogits[end];
            int t = scanTokens[end];
            scanLogits[end] = scanLogits[0];
            scanTokens[end] = scanTokens[0];
            siftDown(v, t, end);
        }
        return size;
    }

    /** Puts (v, t) at the root of the min-heap of {@code size} entries and sifts it down. */
    private void siftDown(float v, int t, int size) {
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && scanLogits[child + 1] < scanLogits[child]) {
                child++;
            }
            if (scanLogits[child] >= v) {
                break;
            }
            scanLogits[i] = scanLogits[child];
            scanTokens[i] = scanTokens[child];
            i = child;
        }
        scanLogits[i] = v;
        scanTokens[i] = t;
    }

    private int sampleAvoidingOverrun(SamplerChain chain, MemorySegment logits, TokenDataArray candidates,
            int first) {
        int[] refused = new int[OVERRUN_RESAMPLES + 1];
        int n = 0;
        refused[n++] = first;
        for (int attempt = 0; attempt < OVERRUN_RESAMPLES; attempt++) {
            candidates.fill(logits);
            for (int i = 0; i < n; i++) {
                candidates.refuse(refused[i]);
            }
            int token = chain.apply(candidates);
            if (token < 0) {
                break;
            }
            if (triggers.scan(piece(token), pieceLength) != TriggerWatch.OVERRUN) {
                return take(chain, token);
            }
            refused[n++] = token;
        }
        // Fallback: mask every token that would run past a trigger word, sample once more.
        candidates.fill(logits);
        for (int t = 0; t < vocab.size(); t++) {
            if (triggers.scan(piece(t), pieceLength) == TriggerWatch.OVERRUN) {
                candidates.refuse(t);
            }
        }
        int token = chain.apply(candidates);
        if (token < 0 || triggers.scan(piece(token), pieceLength) == TriggerWatch.OVERRUN) {
            return deadEnd("every token would run past a trigger word");
        }
        return take(chain, token);
    }

    /** Records the final token: grammar (checked), trigger text, chain history. */
    private int take(SamplerChain chain, int token) {
        if (active()) {
            if (!vocab.isEndOfGeneration(token)) {
                grammar.accept(token); // re-checks unless allows() just approved this token
                utf8.advance(specials.pieces[token], specials.pieces[token].length);
            }
        } else {
            piece(token);
            if (triggers.append(piece, pieceLength)) {
                LOG.log(System.Logger.Level.TRACE, "trigger word complete: the grammar holds from the next token");
            }
        }
        chain.accept(token);
        return token;
    }

    private int deadEnd(String reason) {
        deadEndReason = reason;
        return DEAD_END;
    }

    /** Fills {@link #piece}/{@link #pieceLength} with {@code token}'s text bytes (as the detokenizer renders it). */
    private byte[] piece(int token) {
        int n = vocab.tokenToPiece(token, pieceBuf, false);
        if (n < 0) {
            pieceBuf = arena.allocate(-n);
            n = vocab.tokenToPiece(token, pieceBuf, false);
        }
        if (piece.length < n) {
            piece = new byte[n * 2];
        }
        MemorySegment.copy(pieceBuf, ValueLayout.JAVA_BYTE, 0, piece, 0, n);
        pieceLength = n;
        return piece;
    }

    @Override
    public void close() {
        if (topCandidates != null) {
            topCandidates.close();
        }
        grammar.close();
        arena.close();
    }
}
