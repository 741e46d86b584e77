package io.edgenode.server.memory;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgenode.core.embed.Embedder;
import io.edgenode.core.embed.EmbeddingException;
import io.edgenode.core.embed.EmbeddingInputException;
import io.edgenode.core.embed.EmbeddingResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.apache.lucene.store.AlreadyClosedException;

/**
 * The vector-memory API as the HTTP layer calls it, from any request virtual thread (never an
 * event loop: every method blocks on Lucene I/O or embedding): request objects in, results out,
 * every refusal a {@link MemoryException}.
 *
 * <p>Text is embedded through {@code embedders} (a model id to its {@link Embedder}), looked up at
 * each call: the index keeps only the model's id, so an index survives its model being unloaded
 * (text requests then answer 503 until it is back). Every vector of a batch is validated, and every
 * text embedded, before anything is written: a refused batch stores nothing.
 */
public final class MemoryService implements AutoCloseable {
    private final VectorIndexes indexes;
    private final Function<String, Optional<Embedder>> embedders;

    private MemoryService(VectorIndexes indexes, Function<String, Optional<Embedder>> embedders) {
        this.indexes = indexes;
        this.embedders = embedders;
    }

    /** Opens the indexes under {@code dataDir/indexes}. */
    public static MemoryService open(Path dataDir, Function<String, Optional<Embedder>> embedders) throws IOException {
        return new MemoryService(VectorIndexes.open(dataDir), Objects.requireNonNull(embedders, "embedders"));
    }

    /** The results of a write: the ids written, in request order. */
    public record WriteResult(List<String> ids, long embeddingTokens) {}

    /** The results of a query, closest first, with the tokens its text took to embed (0 for a vector). */
    public record QueryResult(List<VectorMatch> matches, long embeddingTokens) {}

    public IndexInfo create(JsonNode body) {
        MemoryRequests.CreateIndex req = MemoryRequests.create(body);
        int dimensions;
        if (req.embeddingModel() != null) {
            Embedder e = embedders.apply(req.embeddingModel()).orElseThrow(() -> new MemoryException(
                    MemoryException.Kind.INVALID, "embedding_model", "model_not_found",
                    "The embedding model `" + req.embeddingModel() + "` is not served by this node."));
            if (req.dimensions() != null && req.dimensions() != e.dimensions()) {
                throw new MemoryException(MemoryException.Kind.INVALID, "dimensions", "wrong_dimensions",
                        "embedding model `" + req.embeddingModel() + "` returns " + e.dimensions()
                                + " dimensions, not " + req.dimensions());
            }
            dimensions = e.dimensions();
        } else {
            dimensions = req.dimensions();
        }
        IndexSpec spec = new IndexSpec(req.name(), dimensions, req.metric(), req.embeddingModel(), req.hnswM(),
                req.beamWidth(), Instant.now().getEpochSecond());
        return io(() -> {
            indexes.create(spec);
            return new IndexInfo(spec, 0);
        });
    }

    public List<IndexInfo> list() {
        List<IndexInfo> out = new ArrayList<>();
        for (VectorIndex i : indexes.list()) {
            try {
                out.add(new IndexInfo(i.spec(), i.count(null)));
            } catch (AlreadyClosedException e) {
                // deleted while we listed
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    public IndexInfo info(String name) {
        VectorIndex index = indexes.require(name);
        return io(() -> new IndexInfo(index.spec(), index.count(null)), name);
    }

    /** Deletes the index; 404 if there is none. */
    public void delete(String name) {
        if (!io(() -> indexes.delete(name))) {
            throw MemoryException.notFound(name);
        }
    }

    /** {@code /upsert} ({@code insert} false) and {@code /insert}. */
    public WriteResult write(String name, JsonNode body, boolean insert) {
        VectorIndex index = indexes.require(name);
        IndexSpec spec = index.spec();
        List<MemoryRequests.VectorInput> inputs = MemoryRequests.vectors(body, spec);
        List<String> texts = new ArrayList<>();
        List<Integer> textAt = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            MemoryRequests.VectorInput in = inputs.get(i);
            if (in.text() != null) {
                texts.add(in.text());
                textAt.add(i);
            } else if (spec.metric().normalises() && VectorIndex.norm(in.values()) == 0) {
                throw MemoryException.invalid("vectors[" + i + "].values", "a cosine index cannot hold the zero vector");
            }
        }
        EmbeddingResult embedded = texts.isEmpty() ? null : embed(spec, texts, p -> "vectors[" + textAt.get(p) + "].text");
        List<VectorRecord> records = new ArrayList<>(inputs.size());
        int t = 0;
        for (MemoryRequests.VectorInput in : inputs) {
            float[] values = in.values() != null ? in.values() : embedded.vector(t++);
            records.add(new VectorRecord(in.id(), in.namespace(), values, in.metadataJson(), in.fields()));
        }
        io(() -> index.write(records, insert), name);
        return new WriteResult(inputs.stream().map(MemoryRequests.VectorInput::id).toList(),
                embedded == null ? 0 : embedded.totalTokens());
    }

    public QueryResult query(String name, JsonNode body) {
        VectorIndex index = indexes.require(name);
        IndexSpec spec = index.spec();
        MemoryRequests.QueryInput in = MemoryRequests.query(body, spec);
        float[] vector = in.vector();
        long tokens = 0;
        if (vector == null) {
            EmbeddingResult e = embed(spec, List.of(in.text()), p -> "text");
            vector = e.vector(0);
            tokens = e.totalTokens();
        } else if (spec.metric().normalises() && VectorIndex.norm(vector) == 0) {
            throw MemoryException.invalid("vector", "the zero vector has no cosine similarity");
        }
        VectorQuery q = new VectorQuery(vector, in.topK(), in.namespace(), in.filter(), in.returnValues(),
                in.returnMetadata(), in.numCandidates());
        return new QueryResult(io(() -> index.query(q), name), tokens);
    }

    public List<VectorMatch> getByIds(String name, JsonNode body) {
        VectorIndex index = indexes.require(name);
        List<String> ids = MemoryRequests.ids(body);
        return io(() -> index.getByIds(ids), name);
    }

    /** Returns how many of the ids existed. */
    public int deleteByIds(String name, JsonNode body) {
        VectorIndex index = indexes.require(name);
        List<String> ids = MemoryRequests.ids(body);
        return io(() -> index.deleteByIds(ids), name);
    }

    /**
     * The namespace that belongs to session {@code sessionId}, {@code session:<id>}: deleting the
     * session deletes it from every index.
     */
    public static String sessionNamespace(String sessionId) {
        return "session:" + sessionId;
    }

    /** Deletes every vector in {@code namespace} of every index (a session's memory when it is deleted). */
    public int deleteNamespace(String namespace) {
        int total = 0;
        for (VectorIndex i : indexes.list()) {
            try {
                total += i.deleteNamespace(namespace);
            } catch (AlreadyClosedException e) {
                // deleted meanwhile: nothing left to remove
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return total;
    }

    /**
     * The passages of the {@code topK} vectors of {@code index} closest to {@code text} in
     * {@code namespace} that pass {@code filter} (null: none): a chat request's {@code memory}.
     * Matches without a {@code metadata.text} passage are left out. A 400 names its field under
     * {@code memory} ({@code memory.filter.k}).
     */
    public Recollection recall(String name, String namespace, JsonNode filter, int topK, String text) {
        VectorIndex index = indexes.require(name);
        IndexSpec spec = index.spec();
        if (spec.embeddingModel() == null) {
            throw MemoryException.invalid("memory.index", "index `" + name
                    + "` has no embedding_model, so it cannot be searched by a message's text");
        }
        MemoryRequests.QueryInput checked;
        try {
            checked = MemoryRequests.query(queryBody(tail(text, MemoryRequests.MAX_TEXT_BYTES / 4), topK, namespace,
                    filter), spec);
        } catch (MemoryException e) {
            throw new MemoryException(e.kind(), e.param() == null ? "memory" : "memory." + e.param(), e.code(),
                    e.getMessage());
        }
        float[] vector = embedTail(spec, checked.text());
        VectorQuery q = new VectorQuery(vector, topK, checked.namespace(), checked.filter(), false, true,
                checked.numCandidates());
        List<String> ids = new ArrayList<>();
        List<String> passages = new ArrayList<>();
        for (VectorMatch m : io(() -> index.query(q), name)) {
            String passage = passage(m.metadataJson());
            if (passage != null) {
                ids.add(m.id());
                passages.add(passage);
            }
        }
        return new Recollection(name, ids, passages);
    }

    /**
     * The query vector of a chat message. A message too long for the embedding model is searched
     * by its tail, halved until the model takes it: a chat is not refused for being long, and the
     * end of a message is where its question usually is.
     */
    private float[] embedTail(IndexSpec spec, String text) {
        String t = text;
        for (int tries = 0; ; tries++) {
            try {
                return embed(spec, List.of(t), p -> "messages").vector(0);
            } catch (MemoryException e) {
                if (e.kind() != MemoryException.Kind.INVALID || tries == 8 || t.length() < 16) {
                    throw e;
                }
                t = tail(t, t.length() / 2);
            }
        }
    }

    /** The last {@code maxChars} characters of {@code s} (never splitting a surrogate pair). */
    static String tail(String s, int maxChars) {
        if (s.length() <= maxChars) {
            return s;
        }
        int from = s.length() - maxChars;
        if (Character.isLowSurrogate(s.charAt(from))) {
            from++;
        }
        return s.substring(from);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static JsonNode queryBody(String text, int topK, String namespace, JsonNode filter) {
        var body = JSON.createObjectNode();
        body.put("text", text);
        body.put("top_k", topK);
        body.put("namespace", namespace);
        if (filter != null) {
            body.set("filter", filter);
        }
        return body;
    }

    private static String passage(String metadataJson) {
        if (metadataJson == null) {
            return null;
        }
        try {
            JsonNode t = JSON.readTree(metadataJson).get(MemoryRequests.TEXT_KEY);
            return t != null && t.isTextual() ? t.textValue() : null;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("stored metadata is not JSON", e); // we wrote it
        }
    }

    /** Embeds with the index's model; {@code param} names input {@code i} in a 400. */
    EmbeddingResult embed(IndexSpec spec, List<String> texts, java.util.function.IntFunction<String> param) {
        Embedder e = embedders.apply(spec.embeddingModel()).orElseThrow(() -> new MemoryException(
                MemoryException.Kind.UNAVAILABLE, null, "model_unavailable", "The embedding model `"
                        + spec.embeddingModel() + "` of index `" + spec.name() + "` is not available."));
        EmbeddingResult r;
        try {
            r = e.embed(texts);
        } catch (EmbeddingInputException x) {
            throw MemoryException.invalid(param.apply(x.index()), x.getMessage());
        } catch (EmbeddingException | IllegalStateException x) {
            throw new MemoryException(MemoryException.Kind.UNAVAILABLE, null, "model_unavailable",
                    "The embedding model `" + spec.embeddingModel() + "` failed: " + x.getMessage());
        }
        for (int i = 0; i < r.size(); i++) {
            if (r.vector(i).length != spec.dimensions()) {
                throw new MemoryException(MemoryException.Kind.UNAVAILABLE, null, "model_unavailable",
                        "The embedding model `" + spec.embeddingModel() + "` returned " + r.vector(i).length
                                + " dimensions; index `" + spec.name() + "` holds " + spec.dimensions());
            }
        }
        return r;
    }

    private interface IoCall<T> {
        T call() throws IOException;
    }

    private static <T> T io(IoCall<T> call) {
        try {
            return call.call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As {@link #io(IoCall)}; an index closed under the call (deleted meanwhile) is a 404. */
    private static <T> T io(IoCall<T> call, String name) {
        try {
            return call.call();
        } catch (AlreadyClosedException e) {
            throw MemoryException.notFound(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        indexes.close();
    }
}
