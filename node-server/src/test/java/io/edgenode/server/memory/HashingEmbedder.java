package io.edgenode.server.memory;

import io.edgenode.core.embed.Embedder;
import io.edgenode.core.embed.EmbeddingInputException;
import io.edgenode.core.embed.EmbeddingResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Test fixture only, not a model: a deterministic hashing bag-of-words embedder (each lower-cased
 * word adds 1 to the dimension its hash picks, then L2 normalisation), so texts sharing words are
 * close and texts sharing none are orthogonal up to collisions. It lets the index's text path be
 * tested end to end without the ONNX model. Thread-safe (stateless).
 */
public final class HashingEmbedder implements Embedder {
    private final String id;
    private final int dimensions;

    public HashingEmbedder(String id, int dimensions) {
        this.id = id;
        this.dimensions = dimensions;
    }

    @Override
    public String modelId() {
        return id;
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public int maxInputTokens() {
        return 128;
    }

    @Override
    public EmbeddingResult embed(List<String> texts) {
        List<float[]> out = new ArrayList<>();
        int[] tokens = new int[texts.size()];
        for (int i = 0; i < texts.size(); i++) {
            String[] words = texts.get(i).toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+");
            float[] v = new float[dimensions];
            int n = 0;
            for (String w : words) {
                if (!w.isEmpty()) {
                    v[Math.floorMod(hash(w), dimensions)] += 1;
                    n++;
                }
            }
            if (n == 0) {
                throw new EmbeddingInputException(i, EmbeddingInputException.Reason.INVALID, "input " + i + " has no words");
            }
            if (n + 2 > maxInputTokens()) {
                throw new EmbeddingInputException(i, EmbeddingInputException.Reason.TOO_LONG, "input " + i + " has " + (n + 2)
                        + " tokens, over "
                        + maxInputTokens());
            }
            out.add(normalise(v));
            tokens[i] = n + 2; // [CLS] and [SEP], as a WordPiece model counts them
        }
        return new EmbeddingResult(out, tokens);
    }

    @Override
    public EmbeddingResult embedTokens(List<int[]> tokenIds) {
        List<String> texts = new ArrayList<>();
        for (int[] ids : tokenIds) {
            StringBuilder sb = new StringBuilder();
            for (int t : ids) {
                sb.append('t').append(t).append(' ');
            }
            texts.add(sb.toString());
        }
        return embed(texts);
    }

    private static int hash(String w) {
        int h = 0x811c9dc5; // FNV-1a: the same vectors in every JVM and run
        for (byte b : w.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x01000193;
        }
        return h;
    }

    private static float[] normalise(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        float inv = (float) (1 / Math.sqrt(s));
        for (int i = 0; i < v.length; i++) {
            v[i] *= inv;
        }
        return v;
    }

    @Override
    public void close() {
        // nothing held
    }
}
