package io.edgenode.server.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import io.edgenode.core.embed.EmbeddingResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * Writes OpenAI's embeddings response: {@code {"object":"list","data":[{"object":"embedding",
 * "index":i,"embedding":[...] | "base64"}],"model","usage":{"prompt_tokens","total_tokens"}}}.
 * Stateless.
 *
 * <p>Floats are written in Java's shortest form that reads back as the same float; base64 is the
 * vector's float32 values little-endian, what the official clients decode
 * ({@code np.frombuffer(base64.b64decode(s), dtype="float32")}).
 */
public final class EmbeddingEncoder {
    private EmbeddingEncoder() {}

    public static byte[] encode(String model, EmbeddingResult result, boolean base64) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + result.size() * (base64 ? 2100 : 4400));
        try (JsonGenerator g = OpenAiJson.factory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (int i = 0; i < result.size(); i++) {
                g.writeStartObject();
                g.writeStringField("object", "embedding");
                g.writeNumberField("index", i);
                g.writeFieldName("embedding");
                float[] v = result.vector(i);
                if (base64) {
                    g.writeString(base64(v));
                } else {
                    g.writeStartArray();
                    for (float x : v) {
                        g.writeNumber(x);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("model", model);
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", result.totalTokens());
            g.writeNumberField("total_tokens", result.totalTokens());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /** Little-endian float32, base64 (standard alphabet, padded). */
    public static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return Base64.getEncoder().encodeToString(b.array());
    }
}
