package io.edgenode.server.http;

import io.edgenode.core.chat.tools.ParsedMessage;
import io.edgenode.core.chat.tools.ToolCallDelta;
import io.edgenode.core.chat.tools.ToolCallParser;
import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.Usage;
import io.edgenode.server.openai.MemoryUsage;
import io.edgenode.server.openai.OpenAiEncoder;
import io.edgenode.server.openai.SessionUsage;
import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * Chat output of a request that may call tools: the generated text goes through the model's
 * {@link ToolCallParser}, and what it decides becomes OpenAI's content and {@code tool_calls}
 * chunks (streamed) or message (whole). One per response; confined to the one thread that encodes
 * it (the channel's event loop for a stream, the engine thread for a whole response).
 *
 * <p>The parser never takes back what it gave out, so the chunks are final: concatenated, they
 * equal the non-streamed message. Output that looked like a call but did not parse stays content;
 * the reason is logged here.
 */
final class ToolCallResponseFormat implements ResponseFormat {
    private static final System.Logger LOG = System.getLogger(ToolCallResponseFormat.class.getName());
    private static final OpenAiEncoder ENCODER = new OpenAiEncoder();

    private final String id;
    private final long created;
    private final String model;
    private final String fingerprint;
    private final SessionUsage session;
    private final MemoryUsage memory;
    private final ToolCallParser parser;
    private boolean calls;

    ToolCallResponseFormat(String id, long created, String model, String fingerprint, SessionUsage session,
            MemoryUsage memory, ToolCallParser parser) {
        this.id = id;
        this.created = created;
        this.model = model;
        this.fingerprint = fingerprint;
        this.session = session;
        this.memory = memory;
        this.parser = parser;
    }

    @Override
    public byte[] streamStart() {
        return OpenAiEncoder.sse(ENCODER.chatChunkRole(id, created, model, fingerprint));
    }

    @Override
    public byte[] streamDelta(String text) {
        return events(parser.feed(text));
    }

    @Override
    public byte[] streamFinish(FinishReason reason) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(events(parser.finish()));
        logFailures(parser.result());
        out.writeBytes(OpenAiEncoder.sse(ENCODER.chatChunkFinish(id, created, model, fingerprint, reason, calls)));
        return out.toByteArray();
    }

    @Override
    public byte[] streamUsage(Usage usage) {
        return OpenAiEncoder.sse(ENCODER.chatChunkUsage(id, created, model, fingerprint, usage, session, memory));
    }

    @Override
    public byte[] whole(String text, FinishReason reason, Usage usage) {
        parser.feed(text);
        parser.finish();
        ParsedMessage m = parser.result();
        logFailures(m);
        String content = m.content() == null && m.toolCalls().isEmpty() ? "" : m.content();
        return ENCODER.chatCompletion(id, created, model, fingerprint, content, m.toolCalls(), reason, usage, session,
                memory);
    }

    /** The SSE events of {@code deltas}, one chunk each, in order. */
    private byte[] events(List<ToolCallDelta> deltas) {
        if (deltas.isEmpty()) {
            return new byte[0];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ToolCallDelta d : deltas) {
            byte[] chunk = switch (d) {
                case ToolCallDelta.Content c -> c.text().isEmpty() ? null
                        : ENCODER.chatChunkContent(id, created, model, fingerprint, c.text());
                case ToolCallDelta.CallStart s -> {
                    calls = true;
                    yield ENCODER.chatChunkToolCallStart(id, created, model, fingerprint, s.index(), s.id(), s.name());
                }
                case ToolCallDelta.Arguments a -> a.fragment().isEmpty() ? null
                        : ENCODER.chatChunkToolCallArguments(id, created, model, fingerprint, a.index(), a.fragment());
            };
            if (chunk != null) {
                out.writeBytes(OpenAiEncoder.sse(chunk));
            }
        }
        return out.toByteArray();
    }

    private void logFailures(ParsedMessage m) {
        for (String f : m.failures()) {
            LOG.log(System.Logger.Level.WARNING, "{0}: model output kept as content: {1}", id, f);
        }
    }
}
