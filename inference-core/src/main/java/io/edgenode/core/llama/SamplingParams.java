package io.edgenode.core.llama;

/**
 * Sampling settings of one request. {@code temperature <= 0} is greedy (argmax, deterministic).
 * Disabled values: {@code topK <= 0}, {@code topP >= 1}, {@code minP <= 0},
 * {@code repeatPenalty == 1}, frequency/presence penalties 0.
 */
public record SamplingParams(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repeatPenalty,
        float frequencyPenalty,
        float presencePenalty,
        int penaltyLastN,
        long seed) {

    /** llama.cpp's {@code LLAMA_DEFAULT_SEED}: pick a random seed. */
    public static final long RANDOM_SEED = 0xFFFFFFFFL;

    public SamplingParams {
        if (!Float.isFinite(temperature) || !Float.isFinite(topP) || !Float.isFinite(minP)
                || !Float.isFinite(repeatPenalty) || !Float.isFinite(frequencyPenalty)
                || !Float.isFinite(presencePenalty)) {
            throw new IllegalArgumentException("sampling values must be finite: " + this);
        }
        if (repeatPenalty <= 0) {
            throw new IllegalArgumentException("repeat penalty must be > 0, got " + repeatPenalty);
        }
        if (penaltyLastN < 0) {
            throw new IllegalArgumentException("penalty window must be >= 0, got " + penaltyLastN);
        }
        if (seed < 0 || seed > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("seed must fit 32 unsigned bits, got " + seed);
        }
    }

    /** Argmax sampling: the same prompt always gives the same tokens. */
    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 64, 0);
    }

    /** llama-server's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05. */
    public static SamplingParams defaults(long seed) {
        return new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1f, 0f, 0f, 64, seed);
    }

    public boolean isGreedy() {
        return temperature <= 0f;
    }

    boolean hasPenalties() {
        return penaltyLastN > 0 && (repeatPenalty != 1f || frequencyPenalty != 0f || presencePenalty != 0f);
    }

    public SamplingParams withTemperature(float t) {
        return new SamplingParams(t, topK, topP, minP, repeatPenalty, frequencyPenalty, presencePenalty,
                penaltyLastN, seed);
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty, presencePenalty,
                penaltyLastN, s);
    }
}
