package io.edgenode.server.memory;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** The memory API's response bodies (UTF-8 JSON). Stateless. */
public final class MemoryJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private MemoryJson() {}

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] json(Body body) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory; cannot happen
        }
        return out.toByteArray();
    }

    /** {@code {"object":"index","name":...,"dimensions":...,"metric":...,"embedding_model":...,"vector_count":...}}. */
    public static byte[] index(IndexInfo info) {
        return json(g -> writeIndex(g, info));
    }

    public static byte[] indexes(List<IndexInfo> infos) {
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (IndexInfo i : infos) {
                writeIndex(g, i);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static void writeIndex(JsonGenerator g, IndexInfo info) throws IOException {
        IndexSpec s = info.spec();
        g.writeStartObject();
        g.writeStringField("object", "index");
        g.writeStringField("name", s.name());
        g.writeNumberField("dimensions", s.dimensions());
        g.writeStringField("metric", s.metric().wireName());
        g.writeStringField("embedding_model", s.embeddingModel());
        g.writeNumberField("vector_count", info.vectorCount());
        g.writeNumberField("created", s.createdEpochSeconds());
        g.writeObjectFieldStart("hnsw");
        g.writeNumberField("m", s.hnswM());
        g.writeNumberField("ef_construction", s.beamWidth());
        g.writeEndObject();
        g.writeEndObject();
    }

    public static byte[] deletedIndex(String name) {
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("object", "index.deleted");
            g.writeStringField("name", name);
            g.writeBooleanField("deleted", true);
            g.writeEndObject();
        });
    }

    /** {@code {"object":"index.mutation","count":N,"ids":[...]}} (+ usage when text was embedded). */
    public static byte[] written(MemoryService.WriteResult r) {
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("object", "index.mutation");
            g.writeNumberField("count", r.ids().size());
            g.writeArrayFieldStart("ids");
            for (String id : r.ids()) {
                g.writeString(id);
            }
            g.writeEndArray();
            writeUsage(g, r.embeddingTokens());
            g.writeEndObject();
        });
    }

    public static byte[] deletedVectors(int count) {
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("object", "index.mutation");
            g.writeNumberField("count", count);
            g.writeEndObject();
        });
    }

    /** {@code {"count":N,"matches":[{"id","score","namespace","values"?,"metadata"?}]}}. */
    public static byte[] query(MemoryService.QueryResult r) {
        return json(g -> {
            g.writeStartObject();
            g.writeNumberField("count", r.matches().size());
            g.writeArrayFieldStart("matches");
            for (VectorMatch m : r.matches()) {
                writeMatch(g, m);
            }
            g.writeEndArray();
            writeUsage(g, r.embeddingTokens());
            g.writeEndObject();
        });
    }

    /** {@code {"count":N,"vectors":[{"id","namespace","values","metadata"}]}}. */
    public static byte[] vectors(List<VectorMatch> found) {
        return json(g -> {
            g.writeStartObject();
            g.writeNumberField("count", found.size());
            g.writeArrayFieldStart("vectors");
            for (VectorMatch m : found) {
                writeMatch(g, m);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static void writeMatch(JsonGenerator g, VectorMatch m) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", m.id());
        if (!Double.isNaN(m.score())) {
            g.writeNumberField("score", m.score());
        }
        g.writeStringField("namespace", m.namespace());
        if (m.values() != null) {
            g.writeArrayFieldStart("values");
            for (float v : m.values()) {
                g.writeNumber(v);
            }
            g.writeEndArray();
        }
        if (m.metadataJson() != null) {
            g.writeFieldName("metadata");
            g.writeRawValue(m.metadataJson()); // stored as canonical JSON written by us
        }
        g.writeEndObject();
    }

    private static void writeUsage(JsonGenerator g, long tokens) throws IOException {
        if (tokens > 0) {
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", tokens);
            g.writeNumberField("total_tokens", tokens);
            g.writeEndObject();
        }
    }
}
