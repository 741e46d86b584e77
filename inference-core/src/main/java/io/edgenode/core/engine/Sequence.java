package io.edgenode.core.engine;

import io.edgenode.core.llama.SamplerChain;
import io.edgenode.core.llama.Vocab;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * One request's state inside the engine. Confined to the engine thread, except
 * {@link #cancelRequested}, which any thread may set.
 *
 * <p>Prefill and decode are one mechanism (as in vLLM): {@link #tokens()} holds the prompt and
 * every sampled token, {@link #numComputed} how many of them have KV in the sequence's slot. A
 * step feeds {@code tokens[numComputed..]} (a prompt chunk, or the one token sampled last) and,
 * once the sequence has caught up, samples the next token from the last row's logits.
 */
final class Sequence implements GenerationHandle {
    private static final System.Logger LOG = System.getLogger(Sequence.class.getName());

    enum Status { WAITING, RUNNING, FINISHED }

    final GenerationRequest request;
    /** Submission order: older requests first, and the youngest is preempted first. */
    final long arrival;
    final long submitNanos;
    final int promptLength;
    final CompletableFuture<GenerationResult> completion = new CompletableFuture<>();
    volatile boolean cancelRequested;

    private int[] tokens;
    private int length;
    int numComputed;
    int slot = -1;
    Status status = Status.WAITING;
    int cachedPromptTokens;
    /** Engine time attributed to this sequence (see {@link Usage#computeNanos()}); engine thread. */
    long computeNanos;
    int generated;
    int preemptions;
    /** Set when the sequence ends inside a step; applied after the step's sampling. */
    FinishReason finishReason;
    /** Set when the listener threw: the sequence ends with ERROR after this step. */
    String listenerError;
    /** Batch row whose logits this sequence samples after the current step, or -1. */
    int sampleRow = -1;

    SamplerChain sampler;
    /** The grammar and its triggers when the request has a constraint, else null. */
    ConstrainedSampler constrained;
    /** Logprobs of the token about to be accepted (requests with topLogprobs >= 0), else null. */
    TokenLogprobs pendingLogprobs;
    /** Why the sequence failed outside a step's decode (its native setup), or null. */
    String failure;
    TokenTextDecoder decoder;
    StopMatcher stopMatcher;

    long firstScheduledNanos;
    long prefillDoneNanos;
    long firstTokenNanos;
    long lastTokenNanos;

    Sequence(GenerationRequest request, long arrival, long submitNanos) {
        this.request = request;
        this.arrival = arrival;
        this.submitNanos = submitNanos;
        this.promptLength = request.promptTokens().length;
        this.tokens = Arrays.copyOf(request.promptTokens(), promptLength + Math.min(request.maxTokens(), 1024));
        this.length = promptLength;
    }

    int[] tokens() {
        return tokens;
    }

    int length() {
        return length;
    }

    /** Tokens fed but not yet in the KV cache. */
    int owed() {
        return length - numComputed;
    }

    boolean isPrefilling() {
        return numComputed < promptLength;
    }

    void appendToken(int token) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[length++] = token;
        generated++;
    }

    /**
     * Takes the token sampled for this sequence at {@code now}: an end-of-generation token (unless
     * ignored), a stop string or the token limit mark it finished (released after the step's
     * sampling: the loop may be mid-iteration); its text goes to the listener. Returns whether the
     * token was appended (an end-of-generation token is not: it is never fed back).
     */
    boolean accept(int token, Vocab vocab, long now) {
        if (generated == 0) {
            firstTokenNanos = now;
        }
        lastTokenNanos = now;
        TokenLogprobs logprobs = pendingLogprobs;
        pendingLogprobs = null;
        // Under an active grammar an end-of-generation token was allowed only because the grammar
        // is complete, and with ignore_eos only because nothing else was: it ends the sequence.
        boolean eogEnds = !request.ignoreEos() || (constrained != null && constrained.active());
        if (eogEnds && vocab.isEndOfGeneration(token)) {
            emit(stopMatcher.append(decoder.flush()) + stopMatcher.flush());
            markFinished(FinishReason.STOP);
            return false;
        }
        appendToken(token);
        if (logprobs != null) {
            try {
                request.listener().onLogprobs(logprobs);
            } catch (RuntimeException e) {
                listenerError = "listener failed: " + e;
            }
        }
        try {
            request.listener().onToken(token);
        } catch (RuntimeException e) {
            listenerError = "listener failed: " + e;
        }
        String text = stopMatcher.append(decoder.append(token));
        if (stopMatcher.stopped()) {
            emit(text);
            markFinished(FinishReason.STOP);
        } else if (generated >= request.maxTokens()) {
            emit(text + stopMatcher.append(decoder.flush()) + stopMatcher.flush());
            markFinished(FinishReason.LENGTH);
        } else {
            emit(text);
        }
        return true;
    }

    /**
     * The constraint allows no next token (a grammar dead end for this vocabulary): the sequence
     * ends with STOP and what it produced so far; nothing is accepted.
     */
    void deadEnd(String reason) {
        LOG.log(System.Logger.Level.INFO, "{0} ends: {1}", id(), reason);
        emit(stopMatcher.append(decoder.flush()) + stopMatcher.flush());
        markFinished(FinishReason.STOP);
    }

    /** Ends the sequence with ERROR after this step (its native setup failed). */
    void fail(String reason) {
        failure = reason;
        markFinished(FinishReason.ERROR);
    }

    private void markFinished(FinishReason reason) {
        status = Status.FINISHED;
        finishReason = reason;
    }

    private void emit(String text) {
        if (text.isEmpty()) {
            return;
        }
        try {
            request.listener().onText(text);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "listener of " + id() + " failed; cancelling it", e);
            cancelRequested = true;
            listenerError = "listener failed: " + e;
        }
    }

    /**
     * Its sampler chain (with the logit bias), constraint, detokenizer and stop matcher, at its
     * first admission. {@code specials} supplies the vocabulary's special tokens, asked only for
     * constrained requests.
     *
     * @throws io.edgenode.core.llama.GrammarException when the constraint's grammar does not parse
     */
    void openNative(Vocab vocab, java.util.function.Supplier<SpecialTokens> specials) {
        decoder = new TokenTextDecoder(vocab);
        stopMatcher = new StopMatcher(request.stop());
        sampler = SamplerChain.create(vocab, request.sampling(), request.logitBias());
        if (request.constraint() != null) {
            constrained = ConstrainedSampler.open(vocab, request.constraint(), request.ignoreEos(), specials.get());
        }
    }

    /** {@code count} more tokens have KV (decoded at {@code now}); returns how many of them were prompt tokens. */
    int computed(int count, long now) {
        int promptPart = Math.max(0, Math.min(promptLength, numComputed + count) - numComputed);
        numComputed += count;
        if (promptPart > 0 && !isPrefilling()) {
            prefillDoneNanos = now;
        }
        return promptPart;
    }

    /** Frees the sampler and the detokenizer (native); idempotent. */
    void closeNative() {
        if (sampler != null) {
            sampler.close();
            sampler = null;
        }
        if (constrained != null) {
            constrained.close();
            constrained = null;
        }
        if (decoder != null) {
            decoder.close();
            decoder = null;
        }
    }

    /** Hands the result to the listener, then to whoever waits on the completion. Last call for a sequence. */
    void complete(FinishReason reason, String error, KvState kv) {
        status = Status.FINISHED;
        long first = firstTokenNanos;
        Usage usage = new Usage(
                promptLength,
                cachedPromptTokens,
                generated,
                firstScheduledNanos == 0 ? 0 : firstScheduledNanos - submitNanos,
                prefillDoneNanos == 0 ? 0 : prefillDoneNanos - firstScheduledNanos,
                first == 0 ? 0 : first - submitNanos,
                generated > 1 && lastTokenNanos > first ? (generated - 1) * 1e9 / (lastTokenNanos - first) : 0,
                computeNanos);
        String stopString = stopMatcher == null ? null : stopMatcher.matched();
        GenerationResult result = new GenerationResult(id(), reason, usage, error, Arrays.copyOf(tokens, length),
                stopString, kv);
        try {
            request.listener().onComplete(result);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "listener of " + id() + " failed in onComplete", e);
        }
        completion.complete(result);
    }

    String tenant() {
        return request.tenant();
    }

    int priority() {
        return request.priority();
    }

    @Override
    public String id() {
        return request.id();
    }

    @Override
    public void cancel() {
        cancelRequested = true;
    }

    @Override
    public CompletableFuture<GenerationResult> completion() {
        return completion;
    }

    @Override
    public String toString() {
        return "Sequence[" + request.id() + ", " + status + ", slot " + slot + ", " + numComputed + "/" + length + "]";
    }
}
