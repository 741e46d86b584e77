package io.edgenode.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgenode.core.llama.SamplingParams;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A validated {@code POST /v1/completions} (legacy text completion) body. Immutable.
 *
 * <p>Differences from OpenAI, on purpose: {@code prompt} is one string (or an array holding
 * exactly one string); several prompts and token-id prompts are refused, as are {@code n} other
 * than 1, {@code best_of} above 1, {@code echo: true} and a non-empty {@code suffix}.
 * {@code logprobs} (0..5 alternatives) and {@code logit_bias} are read into {@link TokenControls}.
 * {@code max_tokens} absent is -1 (the server's limit), not
 * OpenAI's 16, as in llama-server. Unknown fields are ignored. Sampling fields, defaults and
 * extensions are those of {@link GenerationFields}.
 *
 * @param maxTokens {@code max_tokens}; -1 when absent
 * @param samplingGiven the sampling fields the request sets (the rest may come from the model's defaults)
 */
public record CompletionRequest(
        String model,
        String prompt,
        boolean stream,
        boolean includeUsage,
        int maxTokens,
        SamplingParams sampling,
        List<String> stop,
        String user,
        boolean ignoreEos,
        Set<String> samplingGiven,
        TokenControls tokens) {

    public CompletionRequest {
        samplingGiven = Set.copyOf(samplingGiven);
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampling, "sampling");
        stop = stop == null ? List.of() : List.copyOf(stop);
        tokens = tokens == null ? TokenControls.NONE : tokens;
        if (maxTokens != -1 && maxTokens < 1) {
            throw new IllegalArgumentException("max tokens must be -1 (absent) or >= 1, got " + maxTokens);
        }
        if (includeUsage && !stream) {
            throw new IllegalArgumentException("include_usage without stream");
        }
    }

    /**
     * The sampling to use on {@code model}: what the request set, and for what it left out, the
     * model's defaults from models.yaml (then llama-server's).
     */
    public SamplingParams sampling(io.edgenode.server.config.SamplingDefaults model) {
        return GenerationFields.withModelDefaults(sampling, samplingGiven, model);
    }

    /**
     * Parses and validates a request body.
     *
     * @throws ApiException with the 400 OpenAI would send (see {@link ChatCompletionRequest#parse})
     */
    public static CompletionRequest parse(byte[] body) {
        ParamReader r = ParamReader.root(OpenAiJson.readObject(body));
        String model = GenerationFields.model(r);                                      // model
        String prompt = prompt(r);                                                     // prompt
        boolean stream = r.bool("stream", false);                                      // stream
        boolean includeUsage = GenerationFields.includeUsage(r, stream);               // stream_options
        int maxTokens = GenerationFields.maxTokens(r, "max_tokens");                   // max_tokens
        GenerationFields.singleChoice(r);                                              // n
        SamplingParams sampling = GenerationFields.sampling(r);                        // temperature, top_p, ...
        List<String> stop = GenerationFields.stop(r);                                  // stop
        String user = r.string("user");                                               // user
        boolean ignoreEos = r.bool("ignore_eos", false);                               // llama.cpp extension
        refuseUnimplemented(r);
        int logprobs = r.get("logprobs") == null ? -1 : (int) r.integer("logprobs", 0, 0, 5);
        return new CompletionRequest(model, prompt, stream, includeUsage, maxTokens, sampling, stop, user, ignoreEos,
                GenerationFields.samplingGiven(r), new TokenControls(GenerationFields.logitBias(r), logprobs));
    }

    /** {@code prompt}: a string, or an array of exactly one string. */
    private static String prompt(ParamReader r) {
        JsonNode n = r.required("prompt");
        if (n.isTextual()) {
            return n.textValue();
        }
        if (!n.isArray()) {
            throw ParamReader.invalidType("prompt", "one of a string or array of strings", n);
        }
        if (n.isEmpty()) {
            throw ParamReader.emptyArray("prompt");
        }
        for (int i = 0; i < n.size(); i++) {
            JsonNode p = n.get(i);
            if (p.isNumber() || p.isArray()) {
                throw ParamReader.unsupportedValue("prompt", "token ids", "Send the prompt as a string.");
            }
            if (!p.isTextual()) {
                throw ParamReader.invalidType("prompt[" + i + "]", "a string", p);
            }
        }
        if (n.size() > 1) {
            throw ParamReader.unsupportedValue("prompt", "several prompts",
                    "Send one prompt per request.");
        }
        return n.get(0).textValue();
    }

    private static void refuseUnimplemented(ParamReader r) {
        if (r.bool("echo", false)) {
            throw ParamReader.unsupportedValue("echo", "true", "Echoing the prompt is not supported yet.");
        }
        long bestOf = r.integer("best_of", 1, 1, 20);
        if (bestOf != 1) {
            throw ParamReader.unsupportedValue("best_of", Long.toString(bestOf),
                    "Only the default (1) value is supported.");
        }
        String suffix = r.string("suffix");
        if (suffix != null && !suffix.isEmpty()) {
            throw ParamReader.unsupportedParameter("suffix", "Insertion (suffix) is not supported yet.");
        }
    }
}
