package io.edgenode.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgenode.core.chat.ChatMessage;
import io.edgenode.core.chat.ToolCall;
import io.edgenode.core.llama.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;

/**
 * A validated {@code POST /v1/chat/completions} body. Immutable.
 *
 * <p>What {@link #parse} accepts, field by field, is OpenAI's contract with these deliberate
 * differences:
 * <ul>
 *   <li>Fields we do not know are ignored, as llama-server does; fields we know but do not
 *       implement are refused with 400 when they would change the answer ({@code n} other than 1,
 *       the deprecated {@code functions}/{@code function_call} and {@code function} messages,
 *       content parts other than text, a {@code response_format} other than text or
 *       {@code logprobs} together with callable tools),
 *       so that no client gets a silently different answer.</li>
 *   <li>{@code tools}, {@code tool_choice} and {@code parallel_tool_calls} are read by
 *       {@link ToolUse}, {@code response_format} by {@link OutputFormat}.</li>
 *   <li>Message content given as parts is the parts' texts joined with {@code "\n"}, as
 *       llama.cpp's and vLLM's chat templating do for text-only models.</li>
 *   <li>{@code developer} messages are {@code system} messages (OpenAI's newer name for them).</li>
 *   <li>llama.cpp's extensions {@code top_k}, {@code min_p}, {@code repeat_penalty},
 *       {@code ignore_eos}, and ours, {@code session_id} (passed through).</li>
 *   <li>Sampling defaults are llama-server's; see {@link GenerationFields}.</li>
 * </ul>
 *
 * @param maxTokens    {@code max_completion_tokens}, else {@code max_tokens}; -1 when neither is given
 * @param includeUsage {@code stream_options.include_usage}; only ever true when {@code stream} is
 * @param sessionId    our extension {@code session_id}, or null
 * @param samplingGiven the sampling fields the request sets (the rest may come from the model's defaults)
 * @param memory       our extension {@code memory} (retrieval from a vector index), or null
 * @param tools        the tools offered, or null when none are
 * @param responseFormat {@code response_format} ({@link OutputFormat#TEXT} when absent)
 * @param tokens       {@code logit_bias}, {@code logprobs} and {@code top_logprobs}
 */
public record ChatCompletionRequest(
        String model,
        List<ChatMessage> messages,
        boolean stream,
        boolean includeUsage,
        int maxTokens,
        SamplingParams sampling,
        List<String> stop,
        String user,
        boolean ignoreEos,
        String sessionId,
        Set<String> samplingGiven,
        ChatMemory memory,
        ToolUse tools,
        OutputFormat responseFormat,
        TokenControls tokens) {

    /** The roles we take, in OpenAI's order of its error message. */
    private static final List<String> ROLES = List.of("system", "assistant", "user", "tool", "developer");

    public ChatCompletionRequest {
        samplingGiven = Set.copyOf(samplingGiven);
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(sampling, "sampling");
        messages = List.copyOf(messages);
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("no messages");
        }
        if (maxTokens != -1 && maxTokens < 1) {
            throw new IllegalArgumentException("max tokens must be -1 (absent) or >= 1, got " + maxTokens);
        }
        if (includeUsage && !stream) {
            throw new IllegalArgumentException("include_usage without stream");
        }
        responseFormat = responseFormat == null ? OutputFormat.TEXT : responseFormat;
        tokens = tokens == null ? TokenControls.NONE : tokens;
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
     * @throws ApiException with the 400 OpenAI would send: malformed or non-UTF-8 JSON, a missing
     *         or mistyped field ({@code param} names it), a value out of range or not supported
     */
    public static ChatCompletionRequest parse(byte[] body) {
        ParamReader r = ParamReader.root(OpenAiJson.readObject(body));
        String model = GenerationFields.model(r);                                      // model
        List<ChatMessage> messages = messages(r);                                      // messages
        boolean stream = r.bool("stream", false);                                      // stream
        boolean includeUsage = GenerationFields.includeUsage(r, stream);               // stream_options
        int maxTokens = GenerationFields.maxTokens(r, "max_completion_tokens", "max_tokens");
        GenerationFields.singleChoice(r);                                              // n
        SamplingParams sampling = GenerationFields.sampling(r);                        // temperature, top_p, ...
        List<String> stop = GenerationFields.stop(r);                                  // stop
        String user = r.string("user");                                               // user
        boolean ignoreEos = r.bool("ignore_eos", false);                               // llama.cpp extension
        String sessionId = r.string("session_id");                                     // our extension
        ChatMemory memory = ChatMemory.parse(r);                                       // our extension
        ToolUse tools = ToolUse.parse(r);                                              // tools, tool_choice, ...
        OutputFormat format = OutputFormat.parse(r);                                   // response_format
        if (tools != null && tools.callsAllowed() && !(format instanceof OutputFormat.Text)) {
            throw ParamReader.unsupportedParameter("response_format", "A 'response_format' other than 'text'"
                    + " together with callable 'tools' is not supported: use one or the other, or tool_choice 'none'.");
        }
        refuseUnimplemented(r);
        TokenControls tokens = new TokenControls(GenerationFields.logitBias(r), topLogprobs(r));
        if (tokens.logprobs() && tools != null && tools.callsAllowed()) {
            throw ParamReader.unsupportedParameter("logprobs", "Log probabilities of tool calls are not supported:"
                    + " ask without 'logprobs', or with tool_choice 'none'.");
        }
        return new ChatCompletionRequest(model, messages, stream, includeUsage, maxTokens, sampling, stop, user,
                ignoreEos, sessionId, GenerationFields.samplingGiven(r), memory, tools, format, tokens);
    }

    /** {@code messages}: a non-empty array of message objects. */
    private static List<ChatMessage> messages(ParamReader r) {
        JsonNode n = r.required("messages");
        if (!n.isArray()) {
            throw ParamReader.invalidType("messages", "an array", n);
        }
        if (n.isEmpty()) {
            throw ParamReader.emptyArray("messages");
        }
        List<ChatMessage> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            out.add(message(ParamReader.object(n.get(i), "messages[" + i + "]")));
        }
        return out;
    }

    /**
     * One message: {@code role}, {@code content}; an assistant message may carry {@code tool_calls}
     * (its content may then be null), a {@code tool} message names the call it answers in
     * {@code tool_call_id}; {@code name} is accepted and ignored.
     */
    private static ChatMessage message(ParamReader m) {
        String role = m.requiredString("role");
        String mapped = switch (role) {
            case "system", "developer" -> "system";
            case "user", "assistant", "tool" -> role;
            case "function" -> throw ParamReader.unsupportedValue(m.param("role"), "'function'",
                    "The deprecated 'function' role is not supported: send 'tool' messages with a 'tool_call_id'.");
            default -> throw ParamReader.invalidValue(m.param("role"), role, ROLES);
        };
        if (m.get("function_call") != null) {
            throw ParamReader.unsupportedParameter(m.param("function_call"),
                    "The deprecated 'function_call' is not supported: use 'tool_calls'.");
        }
        JsonNode calls = m.get("tool_calls");
        if (calls != null && !mapped.equals("assistant")) {
            throw ParamReader.unsupportedParameter(m.param("tool_calls"), "Only assistant messages carry 'tool_calls'.");
        }
        if (mapped.equals("tool")) {
            String id = m.requiredString("tool_call_id");
            return ChatMessage.toolResult(id, content(m));
        }
        List<ToolCall> toolCalls = calls == null ? List.of() : toolCalls(calls, m.param("tool_calls"));
        if (!toolCalls.isEmpty() && m.get("content") == null) {
            return ChatMessage.assistantCalls(null, toolCalls);
        }
        return new ChatMessage(mapped, content(m), toolCalls, null);
    }

    /** {@code tool_calls}: {@code [{"id","type":"function","function":{"name","arguments"}}]}. */
    private static List<ToolCall> toolCalls(JsonNode n, String param) {
        if (!n.isArray()) {
            throw ParamReader.invalidType(param, "an array", n);
        }
        List<ToolCall> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            ParamReader c = ParamReader.object(n.get(i), param + "[" + i + "]");
            String id = c.requiredString("id");
            String type = c.requiredString("type");
            if (!type.equals("function")) {
                throw ParamReader.unsupportedValue(c.param("type"), "'" + ParamReader.echo(type) + "'",
                        "Only 'function' tool calls are supported.");
            }
            ParamReader f = ParamReader.object(c.required("function"), c.param("function"));
            out.add(new ToolCall(id, f.requiredString("name"), f.requiredString("arguments")));
        }
        return out;
    }

    /**
     * {@code content}: a string, or a non-empty array of {@code {"type":"text","text":...}} parts.
     * Null is refused except on an assistant message that carries {@code tool_calls} (see
     * {@link #message}).
     */
    private static String content(ParamReader m) {
        String param = m.param("content");
        JsonNode c = m.raw("content");
        if (c == null) {
            throw ParamReader.missing(param);
        }
        if (c.isTextual()) {
            return c.textValue();
        }
        if (!c.isArray()) {
            throw ParamReader.invalidType(param, "one of a string or array of objects", c);
        }
        if (c.isEmpty()) {
            throw ParamReader.emptyArray(param);
        }
        StringJoiner text = new StringJoiner("\n");
        for (int j = 0; j < c.size(); j++) {
            ParamReader part = ParamReader.object(c.get(j), param + "[" + j + "]");
            String type = part.requiredString("type");
            if (!type.equals("text")) {
                throw ParamReader.unsupportedValue(part.param("type"), "'" + ParamReader.echo(type) + "'",
                        "Only 'text' content parts are supported.");
            }
            text.add(part.requiredString("text"));
        }
        return text.toString();
    }

    /** The same request with {@code messages} in place of its own (a prompt with retrieved memory). */
    public ChatCompletionRequest withMessages(List<ChatMessage> replaced) {
        return new ChatCompletionRequest(model, replaced, stream, includeUsage, maxTokens, sampling, stop, user,
                ignoreEos, sessionId, samplingGiven, memory, tools, responseFormat, tokens);
    }

    /**
     * {@code logprobs} (boolean) and {@code top_logprobs} (0..20, only with logprobs): how many
     * alternatives each token lists, or -1 for no log probabilities.
     */
    private static int topLogprobs(ParamReader r) {
        boolean on = r.bool("logprobs", false);
        int top = (int) r.integer("top_logprobs", 0, 0, 20);
        if (!on && r.get("top_logprobs") != null) {
            throw new ApiException(ApiError.invalidRequest("top_logprobs", "invalid_value",
                    "Invalid value for 'top_logprobs': 'logprobs' must be true when 'top_logprobs' is set."));
        }
        return on ? top : -1;
    }

    /** Known OpenAI fields that would change the answer and that we do not implement. */
    private static void refuseUnimplemented(ParamReader r) {
        if (r.get("functions") != null || r.get("function_call") != null) {
            throw ParamReader.unsupportedParameter(r.get("functions") != null ? "functions" : "function_call",
                    "The deprecated 'functions' and 'function_call' are not supported: use 'tools' and 'tool_choice'.");
        }
    }
}
