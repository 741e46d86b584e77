package io.edgenode.server.pipeline;

import io.edgenode.core.chat.tools.ToolCallParser;
import io.edgenode.core.engine.Constraint;
import io.edgenode.core.engine.GenerationListener;
import io.edgenode.core.engine.GenerationRequest;
import io.edgenode.core.engine.KvState;
import io.edgenode.core.llama.SamplingParams;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.MemoryUsage;
import io.edgenode.server.openai.SessionUsage;
import io.edgenode.server.openai.TokenControls;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One generation, planned for one model: everything the submit, stream and record stages need,
 * the same for chat, text completions and session turns. Immutable; built on the request's
 * virtual thread, read by the engine thread (through the request) and the event loop (headers).
 *
 * @param promptTokens the rendered prompt in the model's tokens (not copied; never changed)
 * @param maxTokens the completion's cap the request asked for, or -1 when it did not say (the
 *     submit stage checks it against the model's context, see {@link #maxTokens(int, int, int, int)})
 * @param restoreKv a session's KV snapshot to restore, or null; the plan owns it until it is submitted
 *     (then the engine does), and the pipeline closes it when the plan never reaches the engine
 * @param captureKv whether the engine hands back the KV state when the generation ends normally
 * @param headers extra response headers (a session's {@code X-Session-*}); in order
 * @param session the {@code usage.session} extension, or null for a stateless request
 * @param hook what the plan holds until the generation ends ({@link TurnHook#NONE} for none)
 * @param memory the {@code usage.memory} extension (the vectors retrieved into the prompt), or null
 * @param constraint the grammar the output must follow (tool calls, structured output), or null
 * @param replyParser makes the parser that turns the output into content and tool calls, or null
 *     when the output is plain content
 * @param tokens the request's logit bias and log probabilities ({@link TokenControls#NONE}: none)
 */
public record GenerationPlan(
        int[] promptTokens,
        int maxTokens,
        SamplingParams sampling,
        List<String> stop,
        boolean ignoreEos,
        String tenant,
        KvState restoreKv,
        boolean captureKv,
        Map<String, String> headers,
        SessionUsage session,
        TurnHook hook,
        MemoryUsage memory,
        Constraint constraint,
        Supplier<ToolCallParser> replyParser,
        TokenControls tokens) {

    public GenerationPlan {
        Objects.requireNonNull(promptTokens, "promptTokens");
        Objects.requireNonNull(sampling, "sampling");
        stop = stop == null ? List.of() : List.copyOf(stop);
        headers = headers == null ? Map.of() : headers;
        hook = hook == null ? TurnHook.NONE : hook;
        tokens = tokens == null ? TokenControls.NONE : tokens;
        if (maxTokens != -1 && maxTokens < 1) {
            throw new IllegalArgumentException("max tokens must be -1 (absent) or >= 1, got " + maxTokens);
        }
    }

    /** A plan with plain output (no grammar, no tool calls). */
    public GenerationPlan(int[] promptTokens, int maxTokens, SamplingParams sampling, List<String> stop,
            boolean ignoreEos, String tenant, KvState restoreKv, boolean captureKv, Map<String, String> headers,
            SessionUsage session, TurnHook hook, MemoryUsage memory) {
        this(promptTokens, maxTokens, sampling, stop, ignoreEos, tenant, restoreKv, captureKv, headers, session, hook,
                memory, null, null, TokenControls.NONE);
    }

    /** A stateless plan: no KV hibernation, no extra headers, nothing held. */
    public static GenerationPlan stateless(int[] promptTokens, int maxTokens, SamplingParams sampling,
            List<String> stop, boolean ignoreEos, String tenant) {
        return new GenerationPlan(promptTokens, maxTokens, sampling, stop, ignoreEos, tenant, null, false, Map.of(),
                null, TurnHook.NONE, null);
    }

    /** This plan, its usage reporting the vectors retrieved into its prompt. */
    public GenerationPlan withMemory(MemoryUsage used) {
        return new GenerationPlan(promptTokens, maxTokens, sampling, stop, ignoreEos, tenant, restoreKv, captureKv,
                headers, session, hook, used, constraint, replyParser, tokens);
    }

    /** This plan with its output shaped: a grammar (or null) and a reply parser (or null). */
    public GenerationPlan withOutput(Constraint grammar, Supplier<ToolCallParser> parser) {
        return new GenerationPlan(promptTokens, maxTokens, sampling, stop, ignoreEos, tenant, restoreKv, captureKv,
                headers, session, hook, memory, grammar, parser, tokens);
    }

    /** This plan with the request's logit bias and log probabilities. */
    public GenerationPlan withTokens(TokenControls controls) {
        return new GenerationPlan(promptTokens, maxTokens, sampling, stop, ignoreEos, tenant, restoreKv, captureKv,
                headers, session, hook, memory, constraint, replyParser, controls);
    }

    /**
     * The engine request that runs this plan on a model whose requests hold at most {@code limit}
     * tokens and whose default cap is {@code defaultMax} (0: none), its output going to
     * {@code listener}.
     *
     * @throws ApiException 400 {@code context_length_exceeded} (see {@link #maxTokens(int, int, int, int)})
     */
    public GenerationRequest toRequest(String id, int limit, int defaultMax, GenerationListener listener) {
        int cap = completionCap(limit, defaultMax);
        return new GenerationRequest(id, promptTokens, cap, sampling, stop, ignoreEos, tenant, 0, listener)
                .withKv(restoreKv, captureKv).withConstraint(constraint).withLogitBias(tokens.logitBias())
                .withTopLogprobs(tokens.topLogprobs());
    }

    /** This plan's completion cap on a model of {@code limit} tokens per request (see {@link #maxTokens(int, int, int, int)}). */
    public int completionCap(int limit, int defaultMax) {
        return maxTokens(limit, promptTokens.length, maxTokens, defaultMax);
    }

    /**
     * The completion's token cap for a prompt of {@code promptLength} tokens on a model whose
     * requests hold at most {@code limit} tokens: the requested number ({@code requested} > 0),
     * else what is left of the share, capped by the model's default {@code defaultMax} (0: none).
     *
     * @throws ApiException 400 {@code context_length_exceeded} when the prompt, or the prompt plus
     *     the requested completion, does not fit
     */
    public static int maxTokens(int limit, int promptLength, int requested, int defaultMax) {
        if (promptLength >= limit) {
            throw new ApiException(ApiError.contextLengthExceeded("This model's maximum context length is " + limit
                    + " tokens. However, your messages resulted in " + promptLength + " tokens."));
        }
        int max = requested > 0 ? requested
                : Math.min(limit - promptLength, defaultMax > 0 ? defaultMax : Integer.MAX_VALUE);
        if ((long) promptLength + max > limit) {
            throw new ApiException(ApiError.contextLengthExceeded("This model's maximum context length is " + limit
                    + " tokens. However, you requested " + (promptLength + max) + " tokens (" + promptLength
                    + " in the messages, " + max + " in the completion)."));
        }
        return max;
    }
}
