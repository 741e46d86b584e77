package io.edgenode.server.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import io.edgenode.core.engine.TokenLogprobs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.IntFunction;

/**
 * OpenAI's {@code logprobs} objects, written into a choice: chat's
 * {@code {"content":[{"token","logprob","bytes","top_logprobs":[...]}],"refusal":null}} and text
 * completions' {@code {"tokens","token_logprobs","top_logprobs","text_offset"}}. A token's text is
 * its piece decoded as UTF-8 (a piece that is part of a character reads as U+FFFD; its
 * {@code bytes} are exact). Immutable; {@code pieces} gives a token's bytes (the model's vocabulary).
 */
public final class LogprobsEncoder {
    private final IntFunction<byte[]> pieces;

    public LogprobsEncoder(IntFunction<byte[]> pieces) {
        this.pieces = pieces;
    }

    /** Writes the field {@code "logprobs"} of a chat choice holding {@code tokens}. */
    void chat(JsonGenerator g, List<TokenLogprobs> tokens) throws IOException {
        g.writeObjectFieldStart("logprobs");
        g.writeArrayFieldStart("content");
        for (TokenLogprobs t : tokens) {
            g.writeStartObject();
            entry(g, t.token(), t.logprob());
            g.writeArrayFieldStart("top_logprobs");
            for (int i = 0; i < t.topTokens().length; i++) {
                g.writeStartObject();
                entry(g, t.topTokens()[i], t.topLogprobs()[i]);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNullField("refusal");
        g.writeEndObject();
    }

    private void entry(JsonGenerator g, int token, float logprob) throws IOException {
        byte[] b = pieces.apply(token);
        g.writeStringField("token", new String(b, StandardCharsets.UTF_8));
        g.writeNumberField("logprob", logprob);
        g.writeArrayFieldStart("bytes");
        for (byte x : b) {
            g.writeNumber(x & 0xFF);
        }
        g.writeEndArray();
    }

    /**
     * Writes the field {@code "logprobs"} of a text choice holding {@code tokens}, whose text starts
     * at character {@code offset} of the completion.
     */
    void text(JsonGenerator g, List<TokenLogprobs> tokens, int offset) throws IOException {
        g.writeObjectFieldStart("logprobs");
        g.writeArrayFieldStart("tokens");
        for (TokenLogprobs t : tokens) {
            g.writeString(text(t.token()));
        }
        g.writeEndArray();
        g.writeArrayFieldStart("token_logprobs");
        for (TokenLogprobs t : tokens) {
            g.writeNumber(t.logprob());
        }
        g.writeEndArray();
        g.writeArrayFieldStart("top_logprobs");
        for (TokenLogprobs t : tokens) {
            g.writeStartObject();
            for (int i = 0; i < t.topTokens().length; i++) {
                g.writeNumberField(text(t.topTokens()[i]), t.topLogprobs()[i]);
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("text_offset");
        int at = offset;
        for (TokenLogprobs t : tokens) {
            g.writeNumber(at);
            at += text(t.token()).length();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /** The completion offset after {@code tokens}, which start at {@code offset}. */
    public int advance(List<TokenLogprobs> tokens, int offset) {
        int at = offset;
        for (TokenLogprobs t : tokens) {
            at += text(t.token()).length();
        }
        return at;
    }

    private String text(int token) {
        return new String(pieces.apply(token), StandardCharsets.UTF_8);
    }
}
