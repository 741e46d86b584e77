package io.edgenode.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgenode.core.llama.SamplingParams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fields that chat and text completions share: model, streaming, limits, sampling, stop.
 * Stateless.
 *
 * <p>Sampling defaults are llama-server's ({@link SamplingParams#defaults}: temperature 0.8,
 * top_k 40, top_p 0.95, min_p 0.05, repeat_penalty 1.0 over the last 64 tokens, random seed), not
 * OpenAI's temperature 1.0 with no truncation: llama.cpp's sampler chain applies top-k, top-p and
 * min-p whatever the client says, the GGUF models we serve are tuned and tested against these
 * values, and clients moving from llama-server or Ollama get the output they are used to. A
 * client that sends {@code temperature} overrides only the temperature.
 */
final class GenerationFields {
    /** OpenAI's limit on {@code stop} sequences. */
    static final int MAX_STOP = 4;
    /** Our penalty window (llama-server's {@code repeat_last_n} default); not settable per request yet. */
    static final int PENALTY_LAST_N = 64;

    private GenerationFields() {}

    /** {@code model}: a non-empty string, required; OpenAI's message when it is missing. */
    static String model(ParamReader r) {
        JsonNode n = r.get("model");
        if (n == null || (n.isTextual() && n.textValue().isEmpty())) {
            throw new ApiException(ApiError.invalidRequest("model", ParamReader.MISSING,
                    "you must provide a model parameter"));
        }
        if (!n.isTextual()) {
            throw ParamReader.invalidType("model", "a string", n);
        }
        return n.textValue();
    }

    /**
     * {@code stream_options.include_usage}; OpenAI refuses {@code stream_options} (any non-null
     * value) on a request that does not stream, with exactly this error.
     */
    static boolean includeUsage(ParamReader r, boolean stream) {
        JsonNode options = r.get("stream_options");
        if (options == null) {
            return false;
        }
        if (!stream) {
            throw new ApiException(ApiError.invalidRequest("stream_options",
                    "The 'stream_options' parameter is only allowed when 'stream' is enabled."));
        }
        return ParamReader.object(options, "stream_options").bool("include_usage", false);
    }

    /**
     * The completion limit: the first present of {@code names} wins (chat passes
     * {@code max_completion_tokens}, then the deprecated {@code max_tokens}); every present one is
     * validated. -1 when none is given: the server applies its own limit.
     */
    static int maxTokens(ParamReader r, String... names) {
        int chosen = -1;
        for (String name : names) {
            int v = (int) r.integer(name, -1, 1, Integer.MAX_VALUE);
            if (chosen == -1) {
                chosen = v;
            }
        }
        return chosen;
    }

    /** {@code n}: how many choices; only 1 is implemented. */
    static void singleChoice(ParamReader r) {
        long n = r.integer("n", 1, 1, Integer.MAX_VALUE);
        if (n != 1) {
            throw ParamReader.unsupportedValue("n", Long.toString(n),
                    "Only the default (1) value is supported: one choice per request.");
        }
    }

    /**
     * The sampling fields. OpenAI's ranges: {@code temperature} [0, 2], {@code top_p} [0, 1],
     * {@code presence_penalty} and {@code frequency_penalty} [-2, 2]; llama.cpp's extensions:
     * {@code top_k} >= 0 (0 disables), {@code min_p} [0, 1], {@code repeat_penalty} > 0.
     */
    static SamplingParams sampling(ParamReader r) {
        SamplingParams d = SamplingParams.defaults(SamplingParams.RANDOM_SEED);
        float temperature = r.decimal("temperature", d.temperature(), 0, 2);
        float topP = r.decimal("top_p", d.topP(), 0, 1);
        int topK = (int) r.integer("top_k", d.topK(), 0, Integer.MAX_VALUE);
        float minP = r.decimal("min_p", d.minP(), 0, 1);
        float repeatPenalty = r.decimalAbove("repeat_penalty", d.repeatPenalty(), 0);
        float frequencyPenalty = r.decimal("frequency_penalty", d.frequencyPenalty(), -2, 2);
        float presencePenalty = r.decimal("presence_penalty", d.presencePenalty(), -2, 2);
        long seed = seed(r);
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty, presencePenalty,
                PENALTY_LAST_N, seed);
    }

    /** The sampling fields a model's defaults may fill in, by their request names. */
    static final List<String> DEFAULTABLE = List.of("temperature", "top_p", "top_k", "min_p", "repeat_penalty");

    /** Which of {@link #DEFAULTABLE} the request sets (null counts as absent, as everywhere in parsing). */
    static java.util.Set<String> samplingGiven(ParamReader r) {
        java.util.Set<String> given = new java.util.HashSet<>();
        for (String name : DEFAULTABLE) {
            if (r.get(name) != null) {
                given.add(name);
            }
        }
        return java.util.Set.copyOf(given);
    }

    /**
     * {@code requested} with each field the client left out taken from the model's defaults
     * (llama-server's defaults stay where the model sets nothing).
     */
    static SamplingParams withModelDefaults(SamplingParams requested, java.util.Set<String> given,
            io.edgenode.server.config.SamplingDefaults model) {
        SamplingParams d = model.over(requested);
        return new SamplingParams(
                given.contains("temperature") ? requested.temperature() : d.temperature(),
                given.contains("top_k") ? requested.topK() : d.topK(),
                given.contains("top_p") ? requested.topP() : d.topP(),
                given.contains("min_p") ? requested.minP() : d.minP(),
                given.contains("repeat_penalty") ? requested.repeatPenalty() : d.repeatPenalty(),
                requested.frequencyPenalty(), requested.presencePenalty(), requested.penaltyLastN(), requested.seed());
    }

    /**
     * {@code seed}: OpenAI takes any 64-bit integer; llama.cpp seeds are 32-bit and
     * {@code 0xFFFFFFFF} means "random". So: absent, -1 (llama-server's "random") and
     * {@code 0xFFFFFFFF} give a random seed; {@code [0, 0xFFFFFFFE]} is used as is; any other
     * 64-bit value is folded to 32 bits ({@code hi ^ lo}), and a fold that lands on
     * {@code 0xFFFFFFFF} becomes {@code 0xFFFFFFFE}, so a fixed seed always means a fixed
     * sequence. Past 64 bits: 400.
     */
    static long seed(ParamReader r) {
        long s = r.integer("seed", -1, Long.MIN_VALUE, Long.MAX_VALUE);
        if (s == -1 || s == SamplingParams.RANDOM_SEED) {
            return SamplingParams.RANDOM_SEED;
        }
        if (s >= 0 && s < SamplingParams.RANDOM_SEED) {
            return s;
        }
        long folded = (s ^ (s >>> 32)) & 0xFFFFFFFFL;
        return folded == SamplingParams.RANDOM_SEED ? SamplingParams.RANDOM_SEED - 1 : folded;
    }

    /** {@code stop}: a string or an array of at most 4 strings, none empty. */
    static List<String> stop(ParamReader r) {
        JsonNode n = r.get("stop");
        if (n == null) {
            return List.of();
        }
        if (n.isTextual()) {
            if (n.textValue().isEmpty()) {
                throw ParamReader.emptyString("stop");
            }
            return List.of(n.textValue());
        }
        if (!n.isArray()) {
            throw ParamReader.invalidType("stop", "one of a string or array of strings", n);
        }
        if (n.size() > MAX_STOP) {
            throw ParamReader.arrayTooLong("stop", MAX_STOP, n.size());
        }
        List<String> stops = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            JsonNode s = n.get(i);
            String param = "stop[" + i + "]";
            if (!s.isTextual()) {
                throw ParamReader.invalidType(param, "a string", s);
            }
            if (s.textValue().isEmpty()) {
                throw ParamReader.emptyString(param);
            }
            stops.add(s.textValue());
        }
        return List.copyOf(stops);
    }

    /**
     * {@code logit_bias}: an object from token ids (as strings, OpenAI's form) to a bias from -100 to
     * 100 added to that token's logit; absent or empty: none. Whether the ids exist in a model's
     * vocabulary is checked when the model is known ({@link TokenControls#check}).
     */
    static Map<Integer, Float> logitBias(ParamReader r) {
        JsonNode n = r.get("logit_bias");
        if (n == null) {
            return Map.of();
        }
        if (!n.isObject()) {
            throw ParamReader.invalidType("logit_bias", "an object", n);
        }
        if (n.size() > MAX_LOGIT_BIAS_ENTRIES) {
            throw new ApiException(ApiError.invalidRequest("logit_bias", "invalid_value", "Invalid 'logit_bias': at most "
                    + MAX_LOGIT_BIAS_ENTRIES + " tokens may be biased, got " + n.size() + "."));
        }
        Map<Integer, Float> out = new LinkedHashMap<>();
        for (var it = n.fields(); it.hasNext(); ) {
            var e = it.next();
            int token;
            try {
                token = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                token = -1;
            }
            if (token < 0 || !e.getKey().equals(Integer.toString(token))) {
                throw new ApiException(ApiError.invalidRequest("logit_bias", "invalid_value", "Invalid key in"
                        + " 'logit_bias': '" + ParamReader.echo(e.getKey()) + "' is not a token id."));
            }
            JsonNode v = e.getValue();
            if (!v.isNumber()) {
                throw ParamReader.invalidType("logit_bias." + e.getKey(), "a number", v);
            }
            double bias = v.doubleValue();
            if (!(bias >= -100 && bias <= 100)) {
                throw new ApiException(ApiError.invalidRequest("logit_bias", "invalid_value", "Invalid 'logit_bias'"
                        + " for token " + token + ": a bias must be from -100 to 100, got " + v + "."));
            }
            out.put(token, (float) bias);
        }
        return out;
    }

    /** OpenAI's limit on {@code logit_bias} entries. */
    static final int MAX_LOGIT_BIAS_ENTRIES = 300;
}
