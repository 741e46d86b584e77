package io.edgenode.server.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.edgenode.core.chat.ToolCall;
import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.TokenLogprobs;
import io.edgenode.core.engine.Usage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * Response bodies and SSE events of the OpenAI API, as UTF-8 JSON bytes written with Jackson's
 * streaming generator (no DTOs, no reflection). Stateless and thread-safe.
 *
 * <p>Objects match OpenAI's field for field and in OpenAI's order: {@code chat.completion},
 * {@code chat.completion.chunk}, {@code text_completion}, {@code list} of {@code model}. Every
 * choice has {@code "index":0} and {@code "logprobs":null}. Chunks carry no {@code usage} field;
 * with {@code include_usage} OpenAI writes {@code "usage":null} there, which clients read the same
 * as an absent field. {@code usage} is {@code prompt_tokens}, {@code completion_tokens},
 * {@code total_tokens} and {@code prompt_tokens_details.cached_tokens} (the prefix-cache hits).
 *
 * <p>Finish reasons: clients only ever see OpenAI's {@code stop}, {@code length} and (a chat
 * message that made tool calls) {@code tool_calls}. The server
 * answers {@link FinishReason#ERROR} with an error (a 500 body, or {@link #sseError} once
 * streaming) rather than a finish chunk; if one reaches this class anyway it is written as
 * {@code stop}. {@link FinishReason#CANCELLED} is {@code stop} too: the generation was ended on
 * purpose (client, operator or shutdown), no limit cut it.
 *
 * <p>Per-token events: {@link #chatContentChunks} and {@link #textContentChunks} encode the
 * constant part of a stream's chunks once, leaving one array copy and one string escape per token.
 */
public final class OpenAiEncoder {
    /** {@code data: [DONE]\n\n}, the last event of every stream. Shared: never write to it. */
    public static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final String CHAT = "chat.completion";
    private static final String CHAT_CHUNK = "chat.completion.chunk";
    private static final String TEXT = "text_completion";

    private final JsonFactory factory;

    public OpenAiEncoder() {
        this.factory = OpenAiJson.factory();
    }

    /** OpenAI's {@code finish_reason} for ours; see the class comment. */
    public static String finishReason(FinishReason reason) {
        return switch (Objects.requireNonNull(reason, "reason")) {
            case LENGTH -> "length";
            case STOP, CANCELLED, ERROR -> "stop";
        };
    }

    // ---- SSE framing -----------------------------------------------------------------------

    /** {@code data: <json>\n\n}: one server-sent event. {@code json} must hold no newline (ours never do). */
    public static byte[] sse(byte[] json) {
        byte[] out = new byte[DATA.length + json.length + 2];
        System.arraycopy(DATA, 0, out, 0, DATA.length);
        System.arraycopy(json, 0, out, DATA.length, json.length);
        out[out.length - 2] = '\n';
        out[out.length - 1] = '\n';
        return out;
    }

    /** The in-band error event of a stream whose headers (200) are already sent: {@code data: {"error":{...}}\n\n}. */
    public byte[] sseError(ApiError error) {
        return sse(error.toJson());
    }

    // ---- chat completions ------------------------------------------------------------------

    /** A non-streamed {@code chat.completion}. */
    public byte[] chatCompletion(String id, long created, String model, String fingerprint, String content,
            FinishReason finish, Usage usage) {
        return chatCompletion(id, created, model, fingerprint, content, finish, usage, null);
    }

    /** A non-streamed {@code chat.completion} of a session turn ({@code session} null: none). */
    public byte[] chatCompletion(String id, long created, String model, String fingerprint, String content,
            FinishReason finish, Usage usage, SessionUsage session) {
        return chatCompletion(id, created, model, fingerprint, content, finish, usage, session, null);
    }

    /** As above, with {@code usage.memory} ({@code memory} null: none). */
    public byte[] chatCompletion(String id, long created, String model, String fingerprint, String content,
            FinishReason finish, Usage usage, SessionUsage session, MemoryUsage memory) {
        return chatCompletion(id, created, model, fingerprint, Objects.requireNonNull(content, "content"), List.of(),
                finish, usage, session, memory);
    }

    /**
     * A non-streamed {@code chat.completion} whose message may carry {@code tool_calls}: then
     * {@code content} may be null (written as {@code null}, as OpenAI does) and the finish reason is
     * {@code tool_calls} (unless the token limit cut the message: {@code length}).
     */
    public byte[] chatCompletion(String id, long created, String model, String fingerprint, String content,
            List<ToolCall> calls, FinishReason finish, Usage usage, SessionUsage session, MemoryUsage memory) {
        return chatCompletion(id, created, model, fingerprint, content, calls, finish, usage, session, memory, null,
                null);
    }

    /** As above, with the choice's {@code logprobs} ({@code logprobs} null: {@code "logprobs":null}). */
    public byte[] chatCompletion(String id, long created, String model, String fingerprint, String content,
            List<ToolCall> calls, FinishReason finish, Usage usage, SessionUsage session, MemoryUsage memory,
            LogprobsEncoder encoder, List<TokenLogprobs> logprobs) {
        Objects.requireNonNull(calls, "calls");
        Objects.requireNonNull(usage, "usage");
        if (content == null && calls.isEmpty()) {
            throw new IllegalArgumentException("a message without content needs tool calls");
        }
        String reason = chatFinishReason(finish, !calls.isEmpty());
        ByteArrayBuilder out = new ByteArrayBuilder(256 + (content == null ? 0 : content.length()));
        try (JsonGenerator g = factory.createGenerator(out)) {
            head(g, id, CHAT, created, model, fingerprint);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            g.writeObjectFieldStart("message");
            g.writeStringField("role", "assistant");
            g.writeStringField("content", content);
            toolCalls(g, calls);
            g.writeEndObject();
            logprobs(g, encoder, logprobs);
            g.writeStringField("finish_reason", reason);
            g.writeEndObject();
            g.writeEndArray();
            usage(g, usage, session, memory);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory; cannot happen
        }
        return out.toByteArray();
    }

    /** The first chunk of a stream: {@code "delta":{"role":"assistant","content":""}}. */
    public byte[] chatChunkRole(String id, long created, String model, String fingerprint) {
        return chatChunk(id, created, model, fingerprint, "assistant", "", null);
    }

    /** A content chunk: {@code "delta":{"content":...}}. For every token, prefer {@link #chatContentChunks}. */
    public byte[] chatChunkContent(String id, long created, String model, String fingerprint, String delta) {
        return chatChunk(id, created, model, fingerprint, null, Objects.requireNonNull(delta, "delta"), null);
    }

    /** A content chunk with the log probabilities of its tokens. */
    public byte[] chatChunkContent(String id, long created, String model, String fingerprint, String delta,
            LogprobsEncoder encoder, List<TokenLogprobs> logprobs) {
        return chatChunk(id, created, model, fingerprint, null, Objects.requireNonNull(delta, "delta"), null, encoder,
                Objects.requireNonNull(logprobs, "logprobs"));
    }

    /** The last choice chunk: {@code "delta":{}} and the finish reason. */
    public byte[] chatChunkFinish(String id, long created, String model, String fingerprint, FinishReason finish) {
        return chatChunk(id, created, model, fingerprint, null, null, finishReason(finish));
    }

    /** The last choice chunk of a stream that made tool calls ({@code calls}): {@code tool_calls} unless cut. */
    public byte[] chatChunkFinish(String id, long created, String model, String fingerprint, FinishReason finish,
            boolean calls) {
        return chatChunk(id, created, model, fingerprint, null, null, chatFinishReason(finish, calls));
    }

    /**
     * The first chunk of tool call {@code index}: {@code "delta":{"tool_calls":[{"index","id",
     * "type":"function","function":{"name","arguments":""}}]}}, as OpenAI streams it.
     */
    public byte[] chatChunkToolCallStart(String id, long created, String model, String fingerprint, int index,
            String callId, String name) {
        return toolCallChunk(id, created, model, fingerprint, index, Objects.requireNonNull(callId, "callId"),
                Objects.requireNonNull(name, "name"), "");
    }

    /** A later chunk of tool call {@code index}: {@code index} and an arguments fragment only. */
    public byte[] chatChunkToolCallArguments(String id, long created, String model, String fingerprint, int index,
            String fragment) {
        return toolCallChunk(id, created, model, fingerprint, index, null, null,
                Objects.requireNonNull(fragment, "fragment"));
    }

    private byte[] toolCallChunk(String id, long created, String model, String fingerprint, int index, String callId,
            String name, String arguments) {
        ByteArrayBuilder out = new ByteArrayBuilder(256 + arguments.length());
        try (JsonGenerator g = factory.createGenerator(out)) {
            head(g, id, CHAT_CHUNK, created, model, fingerprint);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            g.writeObjectFieldStart("delta");
            g.writeArrayFieldStart("tool_calls");
            g.writeStartObject();
            g.writeNumberField("index", index);
            if (callId != null) {
                g.writeStringField("id", callId);
                g.writeStringField("type", "function");
            }
            g.writeObjectFieldStart("function");
            if (name != null) {
                g.writeStringField("name", name);
            }
            g.writeStringField("arguments", arguments);
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
            g.writeNullField("logprobs");
            g.writeNullField("finish_reason");
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A chat message's finish reason: {@code tool_calls} when it made calls and no limit cut it. */
    static String chatFinishReason(FinishReason finish, boolean calls) {
        String reason = finishReason(finish);
        return calls && !reason.equals("length") ? "tool_calls" : reason;
    }

    /** The usage chunk ({@code include_usage}), after the finish chunk: {@code "choices":[]} and {@code usage}. */
    public byte[] chatChunkUsage(String id, long created, String model, String fingerprint, Usage usage) {
        return usageChunk(id, CHAT_CHUNK, created, model, fingerprint, usage, null);
    }

    /** The usage chunk of a session turn's stream ({@code session} null: none). */
    public byte[] chatChunkUsage(String id, long created, String model, String fingerprint, Usage usage,
            SessionUsage session) {
        return usageChunk(id, CHAT_CHUNK, created, model, fingerprint, usage, session, null);
    }

    /** As above, with {@code usage.memory} ({@code memory} null: none). */
    public byte[] chatChunkUsage(String id, long created, String model, String fingerprint, Usage usage,
            SessionUsage session, MemoryUsage memory) {
        return usageChunk(id, CHAT_CHUNK, created, model, fingerprint, usage, session, memory);
    }

    /** The content chunks of one chat stream, as whole SSE events; see {@link ContentChunkEncoder}. */
    public ContentChunkEncoder chatContentChunks(String id, long created, String model, String fingerprint) {
        return ContentChunkEncoder.split(
                sse(chatChunkContent(id, created, model, fingerprint, ContentChunkEncoder.SENTINEL)));
    }

    private byte[] chatChunk(String id, long created, String model, String fingerprint, String role, String content,
            String finishReason) {
        return chatChunk(id, created, model, fingerprint, role, content, finishReason, null, null);
    }

    private byte[] chatChunk(String id, long created, String model, String fingerprint, String role, String content,
            String finishReason, LogprobsEncoder encoder, List<TokenLogprobs> logprobs) {
        ByteArrayBuilder out = new ByteArrayBuilder(256 + (content == null ? 0 : content.length()));
        try (JsonGenerator g = factory.createGenerator(out)) {
            head(g, id, CHAT_CHUNK, created, model, fingerprint);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            g.writeObjectFieldStart("delta");
            if (role != null) {
                g.writeStringField("role", role);
            }
            if (content != null) {
                g.writeStringField("content", content);
            }
            g.writeEndObject();
            logprobs(g, encoder, logprobs);
            g.writeStringField("finish_reason", finishReason);
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    // ---- text completions ------------------------------------------------------------------

    /** A non-streamed {@code text_completion}. */
    public byte[] textCompletion(String id, long created, String model, String fingerprint, String text,
            FinishReason finish, Usage usage) {
        return textCompletion(id, created, model, fingerprint, text, finish, usage, null, null);
    }

    /** A non-streamed {@code text_completion} with the choice's {@code logprobs} (null: none asked). */
    public byte[] textCompletion(String id, long created, String model, String fingerprint, String text,
            FinishReason finish, Usage usage, LogprobsEncoder encoder, List<TokenLogprobs> logprobs) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(usage, "usage");
        return textObject(id, created, model, fingerprint, text, finishReason(finish), usage, encoder, logprobs, 0);
    }

    /**
     * A streamed {@code text_completion} chunk: {@code delta} as the choice's {@code text}, and the
     * finish reason on the last one ({@code null} before). For every token, prefer
     * {@link #textContentChunks}.
     */
    public byte[] textChunk(String id, long created, String model, String fingerprint, String delta,
            FinishReason finishOrNull) {
        Objects.requireNonNull(delta, "delta");
        return textObject(id, created, model, fingerprint, delta,
                finishOrNull == null ? null : finishReason(finishOrNull), null, null, null, 0);
    }

    /** A streamed text chunk with the log probabilities of its tokens, which start at {@code offset}. */
    public byte[] textChunk(String id, long created, String model, String fingerprint, String delta,
            LogprobsEncoder encoder, List<TokenLogprobs> logprobs, int offset) {
        return textObject(id, created, model, fingerprint, Objects.requireNonNull(delta, "delta"), null, null,
                encoder, Objects.requireNonNull(logprobs, "logprobs"), offset);
    }

    /** The usage chunk of a text stream: {@code "choices":[]} and {@code usage}. */
    public byte[] textChunkUsage(String id, long created, String model, String fingerprint, Usage usage) {
        return usageChunk(id, TEXT, created, model, fingerprint, usage, null);
    }

    /** The unfinished chunks of one text stream, as whole SSE events; see {@link ContentChunkEncoder}. */
    public ContentChunkEncoder textContentChunks(String id, long created, String model, String fingerprint) {
        return ContentChunkEncoder.split(
                sse(textChunk(id, created, model, fingerprint, ContentChunkEncoder.SENTINEL, null)));
    }

    private byte[] textObject(String id, long created, String model, String fingerprint, String text,
            String finishReason, Usage usage, LogprobsEncoder encoder, List<TokenLogprobs> logprobs, int offset) {
        ByteArrayBuilder out = new ByteArrayBuilder(256 + text.length());
        try (JsonGenerator g = factory.createGenerator(out)) {
            head(g, id, TEXT, created, model, fingerprint);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeStringField("text", text);
            g.writeNumberField("index", 0);
            if (logprobs == null) {
                g.writeNullField("logprobs");
            } else {
                encoder.text(g, logprobs, offset);
            }
            g.writeStringField("finish_reason", finishReason);
            g.writeEndObject();
            g.writeEndArray();
            if (usage != null) {
                usage(g, usage);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    // ---- models ----------------------------------------------------------------------------

    /** {@code GET /v1/models}: {@code {"object":"list","data":[...]}}. */
    public byte[] models(List<ModelInfo> models) {
        ByteArrayBuilder out = new ByteArrayBuilder(64 + 96 * models.size());
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (ModelInfo m : models) {
                model(g, m);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code GET /v1/models/{id}}: one model object. */
    public byte[] model(ModelInfo model) {
        ByteArrayBuilder out = new ByteArrayBuilder(128);
        try (JsonGenerator g = factory.createGenerator(out)) {
            model(g, model);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void model(JsonGenerator g, ModelInfo m) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", m.id());
        g.writeStringField("object", "model");
        g.writeNumberField("created", m.created());
        g.writeStringField("owned_by", m.ownedBy());
        if (m.status() != null) {
            g.writeStringField("status", m.status());
        }
        if (m.progress().isPresent()) {
            g.writeNumberField("progress", Math.round(m.progress().getAsDouble() * 1000) / 1000.0);
        }
        if (m.error().isPresent()) {
            g.writeStringField("error", m.error().get());
        }
        g.writeEndObject();
    }

    /** One event of {@code GET /admin/models/{id}/pull}: {@code {"model":...,"state":...,"bytes":...,"total":...}}. */
    public byte[] pullProgress(String model, String state, long bytes, long total, double fraction, String error) {
        ByteArrayBuilder out = new ByteArrayBuilder(128);
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", model);
            g.writeStringField("state", state);
            g.writeNumberField("bytes", bytes);
            g.writeNumberField("total", total);
            g.writeNumberField("progress", Math.round(fraction * 1000) / 1000.0);
            if (error != null) {
                g.writeStringField("error", error);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code {"id":...,"status":...}} (admin load/unload answers), with a message when given. */
    public byte[] modelStatus(String id, String status, String message) {
        ByteArrayBuilder out = new ByteArrayBuilder(96);
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("status", status);
            if (message != null) {
                g.writeStringField("message", message);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    // ---- shared parts ----------------------------------------------------------------------

    /** The field {@code "tool_calls"} of a message, in OpenAI's shape; nothing when {@code calls} is empty. */
    static void toolCalls(JsonGenerator g, List<ToolCall> calls) throws IOException {
        if (calls.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart("tool_calls");
        for (ToolCall c : calls) {
            g.writeStartObject();
            g.writeStringField("id", c.id());
            g.writeStringField("type", "function");
            g.writeObjectFieldStart("function");
            g.writeStringField("name", c.name());
            g.writeStringField("arguments", c.arguments());
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** A chat choice's {@code logprobs}: null, or the tokens' entries. */
    private static void logprobs(JsonGenerator g, LogprobsEncoder encoder, List<TokenLogprobs> logprobs)
            throws IOException {
        if (logprobs == null) {
            g.writeNullField("logprobs");
        } else {
            encoder.chat(g, logprobs);
        }
    }

    private byte[] usageChunk(String id, String object, long created, String model, String fingerprint, Usage usage,
            SessionUsage session) {
        return usageChunk(id, object, created, model, fingerprint, usage, session, null);
    }

    private byte[] usageChunk(String id, String object, long created, String model, String fingerprint, Usage usage,
            SessionUsage session, MemoryUsage memory) {
        Objects.requireNonNull(usage, "usage");
        ByteArrayBuilder out = new ByteArrayBuilder(320);
        try (JsonGenerator g = factory.createGenerator(out)) {
            head(g, id, object, created, model, fingerprint);
            g.writeArrayFieldStart("choices");
            g.writeEndArray();
            usage(g, usage, session, memory);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Opens the object and writes id, object, created, model, system_fingerprint (null allowed). */
    private static void head(JsonGenerator g, String id, String object, long created, String model,
            String fingerprint) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", Objects.requireNonNull(id, "id"));
        g.writeStringField("object", object);
        g.writeNumberField("created", created);
        g.writeStringField("model", Objects.requireNonNull(model, "model"));
        g.writeStringField("system_fingerprint", fingerprint);
    }

    private static void usage(JsonGenerator g, Usage u) throws IOException {
        usage(g, u, null);
    }

    private static void usage(JsonGenerator g, Usage u, SessionUsage session) throws IOException {
        usage(g, u, session, null);
    }

    private static void usage(JsonGenerator g, Usage u, SessionUsage session, MemoryUsage memory) throws IOException {
        g.writeObjectFieldStart("usage");
        g.writeNumberField("prompt_tokens", u.promptTokens());
        g.writeNumberField("completion_tokens", u.completionTokens());
        g.writeNumberField("total_tokens", u.totalTokens());
        g.writeObjectFieldStart("prompt_tokens_details");
        g.writeNumberField("cached_tokens", u.cachedPromptTokens());
        g.writeEndObject();
        if (session != null) {
            g.writeObjectFieldStart("session");
            g.writeStringField("id", session.id());
            g.writeNumberField("turn", session.turn());
            g.writeNumberField("dropped_turns", session.droppedTurns());
            g.writeEndObject();
        }
        if (memory != null) {
            g.writeObjectFieldStart("memory");
            g.writeStringField("index", memory.index());
            g.writeArrayFieldStart("ids");
            for (String id : memory.ids()) {
                g.writeString(id);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndObject();
    }
}
