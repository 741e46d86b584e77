package io.edgenode.core.engine;

import io.edgenode.core.llama.SamplerChain;
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
    int generated;
    int preemptions;
    /** Set when the sequence ends inside a step; applied after the step's sampling. */
    FinishReason finishReason;
    /** Set when the listener threw: the sequence ends with ERROR after this step. */
    String listenerError;
    /** Batch row whose logits this sequence samples after the current step, or -1. */
    int sampleRow = -1;

    SamplerChain sampler;
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
