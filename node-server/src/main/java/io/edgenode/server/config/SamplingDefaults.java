package io.edgenode.server.config;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * A model's default sampling: used for each field a request leaves out (the request's own value
 * always wins). An empty field falls back to the server's defaults (llama-server's). Immutable.
 *
 * @param maxTokens the completion limit when the request gives none (still capped by the context)
 */
public record SamplingDefaults(
        Optional<Float> temperature,
        Optional<Float> topP,
        OptionalInt topK,
        Optional<Float> minP,
        Optional<Float> repeatPenalty,
        OptionalInt maxTokens) {

    public static final SamplingDefaults NONE = new SamplingDefaults(Optional.empty(), Optional.empty(),
            OptionalInt.empty(), Optional.empty(), Optional.empty(), OptionalInt.empty());

    public SamplingDefaults {
        java.util.Objects.requireNonNull(temperature, "temperature");
        java.util.Objects.requireNonNull(topP, "topP");
        java.util.Objects.requireNonNull(topK, "topK");
        java.util.Objects.requireNonNull(minP, "minP");
        java.util.Objects.requireNonNull(repeatPenalty, "repeatPenalty");
        java.util.Objects.requireNonNull(maxTokens, "maxTokens");
    }

    /** {@code base} with every field this model sets replaced (max tokens is not a sampling field). */
    public io.edgenode.core.llama.SamplingParams over(io.edgenode.core.llama.SamplingParams base) {
        return new io.edgenode.core.llama.SamplingParams(temperature.orElse(base.temperature()),
                topK.orElse(base.topK()), topP.orElse(base.topP()), minP.orElse(base.minP()),
                repeatPenalty.orElse(base.repeatPenalty()), base.frequencyPenalty(), base.presencePenalty(),
                base.penaltyLastN(), base.seed());
    }
}
