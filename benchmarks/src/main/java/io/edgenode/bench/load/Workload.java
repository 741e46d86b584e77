package io.edgenode.bench.load;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a load run sends, the same to every endpoint. Immutable.
 *
 * @param concurrency       the sweep: for each level, that many clients send back to back
 * @param requests          requests per level and repeat (with {@code turns > 1}: rounded up to whole
 *                          conversations); ignored when {@code duration} is set
 * @param duration          when not null, each level runs this long instead of a request count
 *                          (clients start no new turn after it; the ones in flight finish)
 * @param promptTokens      target prompt length of a first turn, calibrated per endpoint from its
 *                          reported {@code usage.prompt_tokens} (template tokens included)
 * @param maxTokens         {@code max_tokens} of every request
 * @param exactTokens       how the request asks for exactly {@code maxTokens}
 * @param stream            SSE streaming (TTFT and inter-token latency need it)
 * @param turns             turns per conversation; turn n sends n user messages of history
 * @param useSessions       multi-turn through {@code POST /v1/sessions} + {@code session_id} where the
 *                          endpoint has them (else, and when false, the full history every turn)
 * @param systemPromptRatio share (0..1) of the prompt that is one system prompt shared by every
 *                          request (prefix-cache friendly); the rest is unique per request
 * @param warmupRequests    requests per endpoint before measuring, excluded from every figure
 * @param repeats           runs of every level; aggregates report min/median/max across them
 * @param temperature       sampling temperature (0: greedy)
 * @param seed              seeds the prompt text: the same request index gets the same words on
 *                          every endpoint
 */
public record Workload(List<Integer> concurrency, int requests, Duration duration, int promptTokens, int maxTokens,
        ExactTokens exactTokens, boolean stream, int turns, boolean useSessions, double systemPromptRatio,
        int warmupRequests, int repeats, double temperature, long seed) {

    public Workload {
        concurrency = List.copyOf(concurrency);
        Objects.requireNonNull(exactTokens, "exactTokens");
        if (concurrency.isEmpty() || concurrency.stream().anyMatch(c -> c < 1)) {
            throw new IllegalArgumentException("concurrency: one or more levels >= 1: " + concurrency);
        }
        if (duration == null && requests < 1) {
            throw new IllegalArgumentException("requests must be >= 1: " + requests);
        }
        if (duration != null && (duration.isNegative() || duration.isZero())) {
            throw new IllegalArgumentException("duration must be positive: " + duration);
        }
        if (promptTokens < 1 || maxTokens < 1 || turns < 1 || repeats < 1 || warmupRequests < 0) {
            throw new IllegalArgumentException("prompt tokens, max tokens, turns and repeats must be >= 1,"
                    + " warm-up >= 0");
        }
        if (!(systemPromptRatio >= 0 && systemPromptRatio < 1)) {
            throw new IllegalArgumentException("system prompt ratio must be in [0, 1): " + systemPromptRatio);
        }
        if (!(temperature >= 0)) {
            throw new IllegalArgumentException("temperature must be >= 0: " + temperature);
        }
    }

    /** Conversations per level and repeat when counting requests. */
    int conversations() {
        return (requests + turns - 1) / turns;
    }
}
