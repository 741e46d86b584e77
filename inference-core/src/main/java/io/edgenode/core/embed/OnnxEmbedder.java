package io.edgenode.core.embed;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Thread-safe: a BERT-style ONNX embedding model run by ONNX Runtime on the calling thread (the raw
 * path; {@link BatchingEmbedder} puts it behind its own threads). A call tokenizes
 * ({@link WordPieceTokenizer}), pads the batch to its longest input with an attention mask, runs the
 * session once per {@link OnnxEmbedderConfig#maxBatch()} inputs, pools (mean over the mask, or
 * {@code [CLS]}) and L2-normalises.
 *
 * <p>ONNX Runtime allows concurrent {@code run} calls on one session. {@link #close} waits for
 * runs in flight (a read-write lock) so the native session is never freed under one.
 *
 * <p>The {@link OrtEnvironment} is ONNX Runtime's own process-wide singleton (its design, not ours:
 * every session hangs off it); this class only creates sessions in it.
 */
public final class OnnxEmbedder implements BatchableEmbedder {
    private static final String INPUT_IDS = "input_ids";
    private static final String ATTENTION_MASK = "attention_mask";
    private static final String TOKEN_TYPE_IDS = "token_type_ids";

    private final OnnxEmbedderConfig config;
    private final WordPieceTokenizer tokenizer;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final boolean wantsTokenTypes;
    private final int dimensions;
    private final boolean sharedRuns;
    private final AtomicLong runs = new AtomicLong();
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed; // guarded by lifecycle

    private OnnxEmbedder(OnnxEmbedderConfig config, WordPieceTokenizer tokenizer, OrtEnvironment env,
            OrtSession session, boolean sharedRuns) throws OrtException {
        this.sharedRuns = sharedRuns;
        this.config = config;
        this.tokenizer = tokenizer;
        this.env = env;
        this.session = session;
        Set<String> inputs = session.getInputNames();
        if (!inputs.contains(INPUT_IDS) || !inputs.contains(ATTENTION_MASK)
                || !Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS).containsAll(inputs)) {
            throw new EmbeddingException("model " + config.modelId() + ": expected inputs input_ids, attention_mask"
                    + " and optionally token_type_ids, got " + inputs);
        }
        this.wantsTokenTypes = inputs.contains(TOKEN_TYPE_IDS);
        this.dimensions = probeDimensions();
    }

    /**
     * Opens a model from its ONNX bytes and {@code tokenizer.json}.
     *
     * @throws EmbeddingException the model or tokenizer cannot be read, or is not a BERT-style encoder
     */
    public static OnnxEmbedder open(OnnxEmbedderConfig config, byte[] onnxModel, InputStream tokenizerJson) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(onnxModel, "onnxModel");
        Objects.requireNonNull(tokenizerJson, "tokenizerJson");
        WordPieceTokenizer tokenizer;
        try {
            tokenizer = WordPieceTokenizer.read(tokenizerJson);
        } catch (IOException | IllegalArgumentException e) {
            throw new EmbeddingException("model " + config.modelId() + ": cannot read tokenizer.json: "
                    + e.getMessage(), e);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session = null;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(config.threads());
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // ONNX Runtime's pool threads spin between runs by default; on a box shared with LLM
            // decode threads that burns the cores they need (cf. ggml's spinning, ARCHITECTURE.md).
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            session = env.createSession(onnxModel, options);
            boolean shared = switch (config.inputBatching()) {
                case SHARED -> true;
                case PER_INPUT -> false;
                case AUTO -> !quantizesDynamically(onnxModel);
            };
            return new OnnxEmbedder(config, tokenizer, env, session, shared);
        } catch (OrtException | RuntimeException e) {
            if (session != null) {
                try {
                    session.close();
                } catch (OrtException ignored) {
                    // already failing: the first error is the one to report
                }
            }
            if (e instanceof EmbeddingException ee) {
                throw ee;
            }
            throw new EmbeddingException("model " + config.modelId() + ": ONNX Runtime cannot load it: "
                    + e.getMessage(), e);
        }
    }

    /** Opens a built-in model with its own pooling. */
    public static OnnxEmbedder open(BuiltinEmbeddingModel model, String modelId, int maxBatch, int threads) {
        return open(model, new OnnxEmbedderConfig(modelId, model.pooling(), OnnxEmbedderConfig.DEFAULT_MAX_INPUT_TOKENS,
                maxBatch, threads));
    }

    /** Opens a built-in model with {@code config}. */
    public static OnnxEmbedder open(BuiltinEmbeddingModel model, OnnxEmbedderConfig config) {
        try (InputStream tokenizer = model.openTokenizer()) {
            return open(config, model.readModel(), tokenizer);
        } catch (IOException e) {
            throw new EmbeddingException(e.getMessage(), e);
        }
    }

    /**
     * Whether the graph has a {@code DynamicQuantizeLinear} node: op types are plain strings in the
     * ONNX protobuf, so a byte search finds them without a protobuf parser.
     */
    public static boolean quantizesDynamically(byte[] onnxModel) {
        byte[] op = "DynamicQuantizeLinear".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i <= onnxModel.length - op.length; i++) {
            for (int j = 0; j < op.length; j++) {
                if (onnxModel[i + j] != op[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** The hidden size: the output's last dimension, or one tiny run when the graph leaves it symbolic. */
    private int probeDimensions() throws OrtException {
        NodeInfo out = session.getOutputInfo().values().iterator().next();
        if (out.getInfo() instanceof TensorInfo t) {
            long[] shape = t.getShape();
            if (shape.length >= 2 && shape[shape.length - 1] > 0) {
                return (int) shape[shape.length - 1];
            }
        }
        return run(List.of(tokenizer.encode("")))[0].length;
    }

    @Override
    public String modelId() {
        return config.modelId();
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public int maxInputTokens() {
        return config.maxInputTokens();
    }

    /** Most inputs in one ONNX run. */
    @Override
    public int maxBatch() {
        return config.maxBatch();
    }

    /** ONNX Runtime sessions allow concurrent runs. */
    @Override
    public boolean threadConfined() {
        return false;
    }

    /** Whether a batch's inputs share one padded run ({@link InputBatching}). */
    public boolean sharedRuns() {
        return sharedRuns;
    }

    /** ONNX runs so far (a batching test counts them). */
    @Override
    public long runs() {
        return runs.get();
    }

    /**
     * The ids of {@code texts}, special tokens added, each checked against
     * {@link #maxInputTokens()}. Pure Java, no native call: callers tokenize on their own thread.
     */
    @Override
    public List<int[]> tokenize(List<String> texts) {
        List<int[]> ids = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            int[] t = tokenizer.encode(Objects.requireNonNull(texts.get(i), "texts[" + i + "]"));
            if (t.length > config.maxInputTokens()) {
                throw new EmbeddingInputException(i, EmbeddingInputException.Reason.TOO_LONG,
                        "input " + i + " has " + t.length + " tokens, more than the "
                        + config.maxInputTokens() + " model " + config.modelId() + " takes");
            }
            ids.add(t);
        }
        return ids;
    }

    /** Checks token-id inputs: non-empty, within the length, ids in the vocabulary. */
    @Override
    public void validate(List<int[]> tokenIds) {
        for (int i = 0; i < tokenIds.size(); i++) {
            int[] t = Objects.requireNonNull(tokenIds.get(i), "tokenIds[" + i + "]");
            if (t.length == 0) {
                throw new EmbeddingInputException(i, EmbeddingInputException.Reason.INVALID,
                        "input " + i + " has no tokens");
            }
            if (t.length > config.maxInputTokens()) {
                throw new EmbeddingInputException(i, EmbeddingInputException.Reason.TOO_LONG,
                        "input " + i + " has " + t.length + " tokens, more than the "
                        + config.maxInputTokens() + " model " + config.modelId() + " takes");
            }
            for (int id : t) {
                if (id < 0 || id >= tokenizer.vocabularySize()) {
                    throw new EmbeddingInputException(i, EmbeddingInputException.Reason.INVALID,
                            "input " + i + " has token id " + id + ", outside the"
                            + " vocabulary of " + tokenizer.vocabularySize());
                }
            }
        }
    }

    @Override
    public EmbeddingResult embed(List<String> texts) {
        return embedChecked(tokenize(List.copyOf(texts)));
    }

    @Override
    public EmbeddingResult embedTokens(List<int[]> tokenIds) {
        List<int[]> ids = List.copyOf(tokenIds);
        validate(ids);
        return embedChecked(ids);
    }

    /** Inputs already tokenized and validated, run in chunks of {@code maxBatch}. */
    @Override
    public EmbeddingResult embedChecked(List<int[]> ids) {
        List<float[]> vectors = new ArrayList<>(ids.size());
        int[] counts = new int[ids.size()];
        for (int from = 0; from < ids.size(); from += config.maxBatch()) {
            List<int[]> chunk = ids.subList(from, Math.min(ids.size(), from + config.maxBatch()));
            for (float[] v : run(chunk)) {
                vectors.add(v);
            }
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] = ids.get(i).length;
        }
        return new EmbeddingResult(vectors, counts);
    }

    /**
     * One ONNX run of at most {@code maxBatch} validated inputs: pooled, normalised vectors in order.
     *
     * @throws EmbeddingException ONNX Runtime failed, or the node closed
     */
    @Override
    public float[][] run(List<int[]> batch) {
        int n = batch.size();
        if (n == 0) {
            return new float[0][];
        }
        if (!sharedRuns && n > 1) {
            float[][] out = new float[n][];
            for (int i = 0; i < n; i++) {
                out[i] = run(List.of(batch.get(i)))[0];
            }
            return out;
        }
        int width = 0;
        for (int[] t : batch) {
            width = Math.max(width, t.length);
        }
        long[] ids = new long[n * width];
        long[] mask = new long[n * width];
        for (int b = 0; b < n; b++) {
            int[] t = batch.get(b);
            for (int j = 0; j < t.length; j++) {
                ids[b * width + j] = t[j];
                mask[b * width + j] = 1;
            }
        }
        long[] shape = {n, width};
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("embedding model " + config.modelId() + " is closed");
            }
            Map<String, OnnxTensor> inputs = new HashMap<>();
            try {
                inputs.put(INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
                inputs.put(ATTENTION_MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
                if (wantsTokenTypes) {
                    inputs.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(new long[n * width]), shape));
                }
                try (OrtSession.Result result = session.run(inputs)) {
                    runs.incrementAndGet();
                    OnnxTensor out = (OnnxTensor) result.get(0);
                    return pool(out.getFloatBuffer(), out.getInfo().getShape(), batch, width);
                }
            } finally {
                for (OnnxTensor t : inputs.values()) {
                    t.close();
                }
            }
        } catch (OrtException e) {
            throw new EmbeddingException("model " + config.modelId() + ": ONNX Runtime run failed: " + e.getMessage(), e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** [n, width, dims] token vectors (or [n, dims] already pooled) -> one unit vector per input. */
    private float[][] pool(FloatBuffer hidden, long[] shape, List<int[]> batch, int width) {
        int n = batch.size();
        float[][] out = new float[n][];
        if (shape.length == 2) {
            for (int b = 0; b < n; b++) {
                float[] v = new float[dimensions];
                hidden.get(b * dimensions, v);
                out[b] = normalize(v);
            }
            return out;
        }
        if (shape.length != 3 || shape[0] != n || shape[1] != width || shape[2] != dimensions) {
            throw new EmbeddingException("model " + config.modelId() + ": unexpected output shape "
                    + java.util.Arrays.toString(shape));
        }
        for (int b = 0; b < n; b++) {
            float[] v = new float[dimensions];
            int base = b * width * dimensions;
            if (config.pooling() == Pooling.CLS) {
                hidden.get(base, v);
            } else {
                int len = batch.get(b).length;
                // Sum in double: 512 tokens of float activations lose digits a cosine of 0.9999 would notice.
                double[] sum = new double[dimensions];
                for (int t = 0; t < len; t++) {
                    int row = base + t * dimensions;
                    for (int d = 0; d < dimensions; d++) {
                        sum[d] += hidden.get(row + d);
                    }
                }
                for (int d = 0; d < dimensions; d++) {
                    v[d] = (float) (sum[d] / len);
                }
            }
            out[b] = normalize(v);
        }
        return out;
    }

    private static float[] normalize(float[] v) {
        double sq = 0;
        for (float x : v) {
            sq += (double) x * x;
        }
        if (sq > 0) {
            float inv = (float) (1 / Math.sqrt(sq));
            for (int i = 0; i < v.length; i++) {
                v[i] *= inv;
            }
        }
        return v;
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            session.close();
        } catch (OrtException e) {
            throw new EmbeddingException("model " + config.modelId() + ": closing failed: " + e.getMessage(), e);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }
}
