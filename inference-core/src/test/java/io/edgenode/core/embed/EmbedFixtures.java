package io.edgenode.core.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The committed reference fixtures (see the README beside them) and vector helpers for tests. */
final class EmbedFixtures {
    private EmbedFixtures() {}

    record Tokenized(String text, int[] ids) {}

    record Reference(String text, float[] vector) {}

    static List<Tokenized> wordpieceIds() {
        List<Tokenized> out = new ArrayList<>();
        for (JsonNode n : read("wordpiece-ids.json")) {
            int[] ids = new int[n.get("ids").size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = n.get("ids").get(i).asInt();
            }
            out.add(new Tokenized(n.get("text").asText(), ids));
        }
        return out;
    }

    static List<Reference> reference(String file) {
        List<Reference> out = new ArrayList<>();
        for (JsonNode n : read(file)) {
            float[] v = new float[n.get("vector").size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) n.get("vector").get(i).asDouble();
            }
            out.add(new Reference(n.get("text").asText(), v));
        }
        return out;
    }

    private static JsonNode read(String name) {
        try (InputStream in = EmbedFixtures.class.getResourceAsStream(name)) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    static double norm(float[] a) {
        double s = 0;
        for (float x : a) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }
}
