package io.edgenode.server.http;

import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.Usage;
import io.edgenode.core.engine.TokenLogprobs;
import io.edgenode.server.openai.ContentChunkEncoder;
import io.edgenode.server.openai.LogprobsEncoder;
import io.edgenode.server.openai.OpenAiEncoder;
import io.edgenode.server.openai.MemoryUsage;
import io.edgenode.server.openai.SessionUsage;
import java.util.List;

/** The two OpenAI output shapes: chat completions and text completions. */
final class ResponseFormats {
    private static final OpenAiEncoder ENCODER = new OpenAiEncoder();

    private ResponseFormats() {}

    static ResponseFormat chat(String id, long created, String model, String fingerprint) {
        return chat(id, created, model, fingerprint, null);
    }

    /** Chat output of a session turn: its usage carries {@code session} (null: a stateless request). */
    static ResponseFormat chat(String id, long created, String model, String fingerprint, SessionUsage session) {
        return chat(id, created, model, fingerprint, session, null);
    }

    /** As above; usage also carries {@code memory}, the vectors retrieved into the prompt (null: none). */
    static ResponseFormat chat(String id, long created, String model, String fingerprint, SessionUsage session,
            MemoryUsage memory) {
        return chat(id, created, model, fingerprint, session, memory, null);
    }

    /** As above; {@code logprobs} writes the tokens' log probabilities (null: the request asked for none). */
    static ResponseFormat chat(String id, long created, String model, String fingerprint, SessionUsage session,
            MemoryUsage memory, LogprobsEncoder logprobs) {
        // The per-token chunk: JSON head and tail written once, only the delta escaped per token.
        ContentChunkEncoder deltas = ENCODER.chatContentChunks(id, created, model, fingerprint);
        return new ResponseFormat() {
            @Override
            public byte[] streamStart() {
                return OpenAiEncoder.sse(ENCODER.chatChunkRole(id, created, model, fingerprint));
            }

            @Override
            public byte[] streamDelta(String text) {
                return deltas.sse(text);
            }

            @Override
            public byte[] streamFinish(FinishReason reason) {
                return OpenAiEncoder.sse(ENCODER.chatChunkFinish(id, created, model, fingerprint, reason));
            }

            @Override
            public byte[] streamUsage(Usage usage) {
                return OpenAiEncoder.sse(ENCODER.chatChunkUsage(id, created, model, fingerprint, usage, session, memory));
            }

            @Override
            public byte[] streamDelta(String text, List<TokenLogprobs> tokens) {
                return logprobs == null ? deltas.sse(text) : OpenAiEncoder.sse(
                        ENCODER.chatChunkContent(id, created, model, fingerprint, text, logprobs, tokens));
            }

            @Override
            public byte[] whole(String text, FinishReason reason, Usage usage) {
                return ENCODER.chatCompletion(id, created, model, fingerprint, text, reason, usage, session, memory);
            }

            @Override
            public byte[] whole(String text, FinishReason reason, Usage usage, List<TokenLogprobs> tokens) {
                return logprobs == null ? whole(text, reason, usage) : ENCODER.chatCompletion(id, created, model,
                        fingerprint, text, List.of(), reason, usage, session, memory, logprobs, tokens);
            }
        };
    }

    static ResponseFormat text(String id, long created, String model, String fingerprint) {
        return text(id, created, model, fingerprint, null);
    }

    /**
     * Text completions; {@code logprobs} writes the tokens' log probabilities (null: none asked).
     * With log probabilities the format counts the text offsets of a stream: it is then confined to
     * the one thread that encodes the response, like every format.
     */
    static ResponseFormat text(String id, long created, String model, String fingerprint, LogprobsEncoder logprobs) {
        ContentChunkEncoder deltas = ENCODER.textContentChunks(id, created, model, fingerprint);
        return new ResponseFormat() {
            private int offset; // characters of the completion streamed so far (log probabilities only)

            @Override
            public byte[] streamStart() {
                return new byte[0];
            }

            @Override
            public byte[] streamDelta(String text) {
                return deltas.sse(text);
            }

            @Override
            public byte[] streamFinish(FinishReason reason) {
                return OpenAiEncoder.sse(ENCODER.textChunk(id, created, model, fingerprint, "", reason));
            }

            @Override
            public byte[] streamUsage(Usage usage) {
                return OpenAiEncoder.sse(ENCODER.textChunkUsage(id, created, model, fingerprint, usage));
            }

            @Override
            public byte[] streamDelta(String text, List<TokenLogprobs> tokens) {
                if (logprobs == null) {
                    return deltas.sse(text);
                }
                byte[] event = OpenAiEncoder.sse(ENCODER.textChunk(id, created, model, fingerprint, text, logprobs,
                        tokens, offset));
                offset = logprobs.advance(tokens, offset);
                return event;
            }

            @Override
            public byte[] whole(String text, FinishReason reason, Usage usage) {
                return ENCODER.textCompletion(id, created, model, fingerprint, text, reason, usage);
            }

            @Override
            public byte[] whole(String text, FinishReason reason, Usage usage, List<TokenLogprobs> tokens) {
                return ENCODER.textCompletion(id, created, model, fingerprint, text, reason, usage, logprobs,
                        logprobs == null ? null : tokens);
            }
        };
    }
}
