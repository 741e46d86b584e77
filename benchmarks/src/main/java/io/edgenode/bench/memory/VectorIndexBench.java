package io.edgenode.bench.memory;

import io.edgenode.bench.common.Stats;
import io.edgenode.server.memory.IndexSpec;
import io.edgenode.server.memory.VectorIndex;
import io.edgenode.server.memory.VectorMatch;
import io.edgenode.server.memory.VectorMetric;
import io.edgenode.server.memory.VectorQuery;
import io.edgenode.server.memory.VectorRecord;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * The vector index against exact brute force: recall@10 and query p50/p99 on random vectors, bulk
 * and single-vector insert throughput with the index's durability (a commit, i.e. fsync, before
 * each write returns), index size on disk and heap per 100k vectors. Single-threaded client;
 * Lucene may merge on its own threads meanwhile.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar
 * io.edgenode.bench.memory.VectorIndexBench [vectors=100000] [dims=384] [m=32] [ef=200]
 * [candidates=100,200] [queries=1000] [recall_queries=200] [batch=1000] [seed=42] [dir=PATH]}.
 */
public final class VectorIndexBench {
    private VectorIndexBench() {}

    public static void main(String[] args) throws Exception {
        int n = 100_000;
        int dims = 384;
        int m = IndexSpec.DEFAULT_M;
        int ef = IndexSpec.DEFAULT_BEAM_WIDTH;
        int[] candidates = {VectorQuery.DEFAULT_NUM_CANDIDATES};
        int queries = 1000;
        int recallQueries = 200;
        int batch = 1000;
        long seed = 42;
        Path dir = null;
        String kind = "uniform";
        int latentDims = 32;
        int singles = 200;
        boolean compact = true;
        int writers = 4;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "vectors" -> n = Integer.parseInt(kv[1]);
                case "dims" -> dims = Integer.parseInt(kv[1]);
                case "m" -> m = Integer.parseInt(kv[1]);
                case "ef" -> ef = Integer.parseInt(kv[1]);
                case "candidates" -> candidates = Arrays.stream(kv[1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "queries" -> queries = Integer.parseInt(kv[1]);
                case "recall_queries" -> recallQueries = Integer.parseInt(kv[1]);
                case "batch" -> batch = Integer.parseInt(kv[1]);
                case "seed" -> seed = Long.parseLong(kv[1]);
                case "dir" -> dir = Path.of(kv[1]);
                case "data" -> kind = kv[1];
                case "latent" -> latentDims = Integer.parseInt(kv[1]);
                case "singles" -> singles = Integer.parseInt(kv[1]);
                case "compact" -> compact = Boolean.parseBoolean(kv[1]);
                case "writers" -> writers = Integer.parseInt(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        if (dir == null) {
            dir = Files.createTempDirectory("vector-bench");
        }
        Random rnd = new Random(seed);
        float[][] data;
        float[][] qs;
        if (kind.equals("uniform")) {
            data = randomVectors(rnd, n, dims);
            qs = randomVectors(rnd, Math.max(queries, recallQueries), dims);
        } else if (kind.equals("latent")) {
            float[][] basis = randomVectors(rnd, latentDims, dims);
            data = latentVectors(rnd, n, basis);
            qs = latentVectors(rnd, Math.max(queries, recallQueries), basis);
        } else {
            throw new IllegalArgumentException("data must be uniform or latent, got " + kind);
        }
        float[][] unit = normalised(data);
        long heapBase = usedHeapAfterGc(); // the bench's own arrays: held until the end, so not counted
        System.out.printf(Locale.ROOT, "data=%s vectors=%d dims=%d m=%d ef_construction=%d batch=%d seed=%d cpus=%d java=%s"
                + " vector_module=%s%n", kind + (kind.equals("latent") ? "(" + latentDims + ")" : ""), n, dims, m, ef, batch, seed, Runtime.getRuntime().availableProcessors(),
                Runtime.version(), ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());

        IndexSpec spec = new IndexSpec("bench", dims, VectorMetric.COSINE, null, m, ef, 0);
        try (VectorIndex index = VectorIndex.open(spec, dir.resolve("lucene"))) {
            long t0 = System.nanoTime();
            for (int from = 0; from < n; from += batch) {
                List<VectorRecord> records = new ArrayList<>(batch);
                for (int i = from; i < Math.min(n, from + batch); i++) {
                    records.add(new VectorRecord("v" + i, "", data[i], null, List.of()));
                }
                index.write(records, false);
            }
            double bulkSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "bulk insert: %d vectors in %.1f s = %.0f vectors/s (batches of %d,"
                    + " each committed before the next)%n", n, bulkSeconds, n / bulkSeconds, batch);

            List<Double> singleMs = new ArrayList<>();
            for (int i = 0; i < singles; i++) {
                long s = System.nanoTime();
                index.write(List.of(new VectorRecord("s" + i, "singles", data[i], null, List.of())), false);
                singleMs.add((System.nanoTime() - s) / 1e6);
            }
            if (singles > 0) {
                System.out.printf(Locale.ROOT, "single upserts (each committed): p50 %.1f ms, p99 %.1f ms = %.0f"
                        + " writes/s from one client%n", Stats.percentile(singleMs, 50),
                        Stats.percentile(singleMs, 99),
                        singles / (singleMs.stream().mapToDouble(Double::doubleValue).sum() / 1000));
                index.deleteNamespace("singles");
            }
            if (writers > 1 && singles > 0) {
                concurrentSingles(index, data, writers, singles / writers);
            }

            List<Set<String>> exact = new ArrayList<>();
            long b0 = System.nanoTime();
            for (int q = 0; q < recallQueries; q++) {
                exact.add(bruteForceTop10(unit, normalise(qs[q])));
            }
            System.out.printf(Locale.ROOT, "brute force: %d queries in %.1f s (%.1f ms each)%n", recallQueries,
                    (System.nanoTime() - b0) / 1e9, (System.nanoTime() - b0) / 1e6 / recallQueries);

            int segmentsBefore = index.segments();
            if (compact) {
                long c0 = System.nanoTime();
                index.compact(1);
                System.out.printf(Locale.ROOT, "compact: %d segments -> %d in %.1f s%n", segmentsBefore,
                        index.segments(), (System.nanoTime() - c0) / 1e9);
            } else {
                System.out.printf(Locale.ROOT, "queries on %d segments (not compacted)%n", segmentsBefore);
            }

            for (int c : candidates) {
                for (int w = 0; w < 200; w++) { // warm-up: JIT and page cache
                    index.query(query(qs[w % qs.length], c));
                }
                List<Double> ms = new ArrayList<>();
                double hits = 0;
                for (int q = 0; q < queries; q++) {
                    long s = System.nanoTime();
                    List<VectorMatch> got = index.query(query(qs[q], c));
                    ms.add((System.nanoTime() - s) / 1e6);
                    if (q < recallQueries) {
                        for (VectorMatch match : got) {
                            if (exact.get(q).contains(match.id())) {
                                hits++;
                            }
                        }
                    }
                }
                System.out.printf(Locale.ROOT, "num_candidates=%d: recall@10 %.3f (%d queries), latency p50 %.2f ms,"
                        + " p99 %.2f ms, max %.2f ms (%d queries, top_k 10)%n", c, hits / (10.0 * recallQueries),
                        recallQueries, Stats.percentile(ms, 50), Stats.percentile(ms, 99), Stats.percentile(ms, 100),
                        queries);
            }
            long disk = index.sizeOnDisk();
            long heap = usedHeapAfterGc() - heapBase;
            if (data.length != unit.length) {
                throw new AssertionError(); // keeps both arrays reachable up to here
            }
            System.out.printf(Locale.ROOT, "index on disk: %.1f MiB (%.1f MiB per 100k vectors; raw float32 vectors:"
                    + " %.1f MiB); heap held with the index open: %.1f MiB%n", disk / 1048576.0,
                    disk / 1048576.0 * 100_000 / n, (double) n * dims * 4 / 1048576.0, heap / 1048576.0);
            System.out.printf(Locale.ROOT, "segment files on disk: %d%n", segmentCount(dir.resolve("lucene")));
        }
    }

    /** {@code writers} clients upserting one vector at a time: what group commit gives in total. */
    private static void concurrentSingles(VectorIndex index, float[][] data, int writers, int each) throws Exception {
        long t0 = System.nanoTime();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        index.write(List.of(new VectorRecord("c" + writer + "-" + i, "concurrent", data[i], null,
                                List.of())), false);
                    }
                    return null;
                }));
            }
            for (var f : fs) {
                f.get();
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "concurrent single upserts: %d writers x %d in %.1f s = %.0f writes/s in total%n",
                writers, each, s, writers * each / s);
        index.deleteNamespace("concurrent");
    }

    private static VectorQuery query(float[] v, int candidates) {
        return new VectorQuery(v, 10, "", null, false, false, candidates);
    }

    static float[][] randomVectors(Random rnd, int n, int dims) {
        float[][] out = new float[n][dims];
        for (float[] v : out) {
            for (int d = 0; d < dims; d++) {
                v[d] = rnd.nextFloat() * 2 - 1;
            }
        }
        return out;
    }

    /**
     * Vectors with a low intrinsic dimension, like text embeddings: a Gaussian latent of
     * {@code basis.length} dimensions mapped through a fixed random basis, plus 5 % noise.
     */
    static float[][] latentVectors(Random rnd, int n, float[][] basis) {
        int dims = basis[0].length;
        float[][] out = new float[n][dims];
        for (float[] v : out) {
            for (float[] b : basis) {
                float z = (float) rnd.nextGaussian();
                for (int d = 0; d < dims; d++) {
                    v[d] += z * b[d];
                }
            }
            for (int d = 0; d < dims; d++) {
                v[d] += (float) (rnd.nextGaussian() * 0.05 * Math.sqrt(basis.length / 3.0));
            }
        }
        return out;
    }

    static float[] normalise(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        float inv = (float) (1 / Math.sqrt(s));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * inv;
        }
        return out;
    }

    static float[][] normalised(float[][] data) {
        float[][] out = new float[data.length][];
        for (int i = 0; i < data.length; i++) {
            out[i] = normalise(data[i]);
        }
        return out;
    }

    /** Ids of the 10 largest cosine similarities (unit vectors: dot products), exactly. */
    static Set<String> bruteForceTop10(float[][] unit, float[] q) {
        int[] best = new int[10];
        float[] score = new float[10];
        Arrays.fill(score, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < unit.length; i++) {
            // Lucene's own SIMD dot product (Panama vectors with jdk.incubator.vector): the same
            // arithmetic as the index's DOT_PRODUCT, exact over every vector.
            float dot = org.apache.lucene.util.VectorUtil.dotProduct(unit[i], q);
            if (dot > score[9]) {
                int k = 9;
                while (k > 0 && score[k - 1] < dot) {
                    score[k] = score[k - 1];
                    best[k] = best[k - 1];
                    k--;
                }
                score[k] = dot;
                best[k] = i;
            }
        }
        Set<String> ids = new HashSet<>();
        for (int b : best) {
            ids.add("v" + b);
        }
        return ids;
    }

    static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long segmentCount(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".si")).count();
        }
    }
}
