package io.edgenode.server.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What an index is, as created and persisted in {@code <data-dir>/indexes/<name>/index.json}.
 * Immutable: an index's dimensions, metric and embedding model never change after creation.
 *
 * @param embeddingModel the model that embeds {@code text} for this index, or null (vectors only)
 * @param hnswM          HNSW graph degree ({@code m}), fixed at creation
 * @param beamWidth      HNSW construction beam width ({@code ef_construction}), fixed at creation
 */
public record IndexSpec(String name, int dimensions, VectorMetric metric, String embeddingModel,
        int hnswM, int beamWidth, long createdEpochSeconds) {
    /** Lucene's own limit for {@code KnnFloatVectorField} (the default codec's maximum dimension). */
    public static final int MAX_DIMENSIONS = 4096;
    /**
     * Lucene's own defaults. Measured (benchmarks/results/2026-12-02-memory.md): m 32 /
     * ef_construction 200 halves insert throughput; recall is bought more cheaply at query time
     * ({@code num_candidates}).
     */
    public static final int DEFAULT_M = 16;
    public static final int DEFAULT_BEAM_WIDTH = 100;
    /** Names become folder names: a strict alphabet keeps them off other paths ("..", "/"). */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    static final String FILE = "index.json";

    public IndexSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(metric, "metric");
        if (!NAME.matcher(name).matches()) {
            throw MemoryException.invalid("name", "index names are 1-64 characters of letters, digits, '_' and '-',"
                    + " starting with a letter or digit; got '" + name + "'");
        }
        if (dimensions < 1 || dimensions > MAX_DIMENSIONS) {
            throw MemoryException.invalid("dimensions", "dimensions must be in 1.." + MAX_DIMENSIONS + ", got "
                    + dimensions);
        }
        if (hnswM < 2 || hnswM > 512) {
            throw MemoryException.invalid("hnsw.m", "hnsw.m must be in 2..512, got " + hnswM);
        }
        if (beamWidth < 1 || beamWidth > 3200) {
            throw MemoryException.invalid("hnsw.ef_construction", "hnsw.ef_construction must be in 1..3200, got "
                    + beamWidth);
        }
    }

    ObjectNode toJson(ObjectMapper json) {
        ObjectNode o = json.createObjectNode();
        o.put("name", name);
        o.put("dimensions", dimensions);
        o.put("metric", metric.wireName());
        o.put("embedding_model", embeddingModel);
        o.put("hnsw_m", hnswM);
        o.put("hnsw_ef_construction", beamWidth);
        o.put("created", createdEpochSeconds);
        return o;
    }

    /** Writes {@code dir/index.json} durably: a temporary file, fsync, atomic rename, fsync of the folder. */
    void write(Path dir, ObjectMapper json) throws IOException {
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.write(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(toJson(json)));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(dir);
    }

    static IndexSpec read(Path dir, ObjectMapper json) throws IOException {
        JsonNode o = json.readTree(dir.resolve(FILE).toFile());
        VectorMetric metric = VectorMetric.ofWire(o.path("metric").asText());
        if (metric == null) {
            throw new IOException(dir.resolve(FILE) + ": unknown metric " + o.path("metric"));
        }
        JsonNode model = o.path("embedding_model");
        return new IndexSpec(o.path("name").asText(), o.path("dimensions").asInt(), metric,
                model.isTextual() ? model.asText() : null, o.path("hnsw_m").asInt(DEFAULT_M),
                o.path("hnsw_ef_construction").asInt(DEFAULT_BEAM_WIDTH), o.path("created").asLong());
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
