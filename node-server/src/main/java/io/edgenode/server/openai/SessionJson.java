package io.edgenode.server.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.edgenode.server.session.Session;
import io.edgenode.server.session.SessionMessage;
import io.edgenode.server.session.SessionPage;
import io.edgenode.server.session.SessionState;
import io.edgenode.server.session.Turn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * JSON of the sessions API (our extension), in OpenAI's conventions: {@code "object"} names the
 * kind, times are Unix seconds, lists are {@code {"object":"list","data":[...],"has_more":...}}.
 * Stateless.
 */
public final class SessionJson {
    private SessionJson() {}

    /** A session; with {@code turns} (GET one) when not null. */
    public static byte[] session(Session s, List<Turn> turns) {
        return write(g -> writeSession(g, s, turns));
    }

    public static byte[] page(SessionPage page) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (Session s : page.sessions()) {
                writeSession(g, s, null);
            }
            g.writeEndArray();
            g.writeStringField("first_id", page.sessions().isEmpty() ? null : page.sessions().getFirst().id());
            g.writeStringField("last_id", page.lastId());
            g.writeBooleanField("has_more", page.hasMore());
            g.writeEndObject();
        });
    }

    /** {@code {"id":...,"object":"session.deleted","deleted":true}}, as OpenAI answers deletes. */
    public static byte[] deleted(String id) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("object", "session.deleted");
            g.writeBooleanField("deleted", true);
            g.writeEndObject();
        });
    }

    /**
     * {@code {"object":"session.state","session_id":...,"version":N,"state":{...},"updated_at":seconds}}; the
     * document is written as stored (compact JSON), not parsed again.
     */
    public static byte[] state(SessionState s) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("object", "session.state");
            g.writeStringField("session_id", s.sessionId());
            g.writeNumberField("version", s.version());
            g.writeFieldName("state");
            g.writeRawValue(s.json());
            g.writeNumberField("updated_at", s.updatedAtMillis() / 1000);
            g.writeEndObject();
        });
    }

    private static void writeSession(JsonGenerator g, Session s, List<Turn> turns) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", s.id());
        g.writeStringField("object", "session");
        g.writeStringField("model", s.model());
        g.writeStringField("system_prompt", s.systemPrompt());
        g.writeObjectFieldStart("metadata");
        for (Map.Entry<String, String> e : s.metadata().entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeNumberField("created_at", s.createdAtMillis() / 1000);
        g.writeNumberField("updated_at", s.updatedAtMillis() / 1000);
        if (s.expiresAtMillis() > 0) {
            g.writeNumberField("expires_at", s.expiresAtMillis() / 1000);
        } else {
            g.writeNullField("expires_at");
        }
        g.writeNumberField("turn_count", s.turnCount());
        g.writeObjectFieldStart("usage");
        g.writeNumberField("prompt_tokens", s.promptTokens());
        g.writeNumberField("completion_tokens", s.completionTokens());
        g.writeNumberField("total_tokens", s.promptTokens() + s.completionTokens());
        g.writeEndObject();
        if (turns != null) {
            g.writeArrayFieldStart("turns");
            for (Turn t : turns) {
                writeTurn(g, t);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void writeTurn(JsonGenerator g, Turn t) throws IOException {
        g.writeStartObject();
        g.writeNumberField("index", t.index());
        g.writeArrayFieldStart("messages");
        for (SessionMessage m : t.input()) {
            g.writeStartObject();
            g.writeStringField("role", m.role());
            g.writeStringField("content", m.content());
            OpenAiEncoder.toolCalls(g, m.toolCalls());
            if (m.toolCallId() != null) {
                g.writeStringField("tool_call_id", m.toolCallId());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeObjectFieldStart("reply");
        g.writeStringField("role", "assistant");
        g.writeStringField("content", t.reply());
        g.writeEndObject();
        g.writeStringField("finish_reason", t.finishReason());
        g.writeObjectFieldStart("usage");
        g.writeNumberField("prompt_tokens", t.promptTokens());
        g.writeNumberField("completion_tokens", t.completionTokens());
        g.writeNumberField("total_tokens", t.promptTokens() + t.completionTokens());
        g.writeObjectFieldStart("prompt_tokens_details");
        g.writeNumberField("cached_tokens", t.cachedTokens());
        g.writeEndObject();
        g.writeEndObject();
        g.writeNumberField("created_at", t.createdAtMillis() / 1000);
        g.writeEndObject();
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayBuilder out = new ByteArrayBuilder(512);
        try (JsonGenerator g = OpenAiJson.factory().createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
