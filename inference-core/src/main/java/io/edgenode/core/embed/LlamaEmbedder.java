package io.edgenode.core.embed;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.edgenode.core.llama.Batch;
import io.edgenode.core.llama.ContextParams;
import io.edgenode.core.llama.DecodeException;
import io.edgenode.core.llama.LlamaContext;
import io.edgenode.core.llama.LlamaException;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.LlamaModel;
import io.edgenode.core.llama.ModelParams;
import io.edgenode.core.llama.PoolingType;
import io.edgenode.core.llama.Vocab;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Confined to the first thread that runs it (the {@link BatchingEmbedder} worker, never an LLM
 * decode thread): a GGUF embedding model run by llama.cpp in its own embeddings context. Unlike the
 * {@link Embedder} contract, runs from a second thread are refused, because a llama.cpp context is
 * not thread-safe; {@link BatchingEmbedder} with its one worker gives callers back the thread-safe
 * contract. {@link #tokenize} and {@link #validate} are safe from any thread (the vocabulary is).
 *
 * <p>The context has {@code n_seq_max = maxBatch} and one unified KV cache of {@link #runTokens}
 * cells, with {@code n_batch = n_ubatch = runTokens}: pooling needs a sequence's tokens in one
 * micro-batch. A run packs inputs, one sequence id each, into as few decodes as that allows, clears
 * the KV memory before each (inputs never see each other's tokens: same text, same vector, whatever
 * its batch neighbours), reads each sequence's pooled vector and L2-normalises it.
 *
 * <p>Owns its model and context; {@link #close} may come from another thread once the running
 * thread has stopped (the batcher joins its worker first).
 */
public final class LlamaEmbedder implements BatchableEmbedder {
    /** Tokens one decode aims to hold when inputs are short: enough to batch, a modest compute buffer. */
    static final int RUN_TOKEN_TARGET = 2048;

    private final LlamaEmbedderConfig config;
    private final LlamaModel model;
    private final LlamaContext context;
    private final Batch batch;
    private final Vocab vocab;
    private final int dimensions;
    private final int maxInputTokens;
    private final int runTokens;
    private final PoolingType pooling;
    private final AtomicLong runs = new AtomicLong();
    /** The thread of the first run; only it runs afterwards. */
    private final AtomicReference<Thread> owner = new AtomicReference<>();
    private volatile boolean closed;

    private LlamaEmbedder(LlamaEmbedderConfig config, LlamaModel model, LlamaContext context, int maxInputTokens,
            int runTokens) {
        this.config = config;
        this.model = model;
        this.context = context;
        this.vocab = model.vocab();
        this.dimensions = model.embeddingOutputLength();
        this.maxInputTokens = maxInputTokens;
        this.runTokens = runTokens;
        this.pooling = context.poolingType();
        this.batch = new Batch(runTokens, 1);
    }

    /**
     * Loads {@code gguf} and creates its embeddings context.
     *
     * @throws EmbeddingException llama.cpp cannot load the model or create the context, or the
     *     model (with {@link Pooling#MODEL}) declares no pooling, so it has no per-text vector
     */
    public static LlamaEmbedder open(LlamaLibrary library, Path gguf, LlamaEmbedderConfig config) {
        Objects.requireNonNull(library, "library");
        Objects.requireNonNull(gguf, "gguf");
        Objects.requireNonNull(config, "config");
        LlamaModel model = null;
        LlamaContext context = null;
        try {
            model = LlamaModel.load(library, gguf, ModelParams.defaults());
            int maxTokens = config.maxInputTokens() == LlamaEmbedderConfig.MODEL_CONTEXT
                    ? model.contextLengthTrain() : config.maxInputTokens();
            if (maxTokens < 2) {
                throw new EmbeddingException("model " + config.modelId() + ": no usable context length (" + maxTokens
                        + "); set max_input_tokens");
            }
            int tokens = runTokens(maxTokens, config.maxBatch());
            ContextParams params = ContextParams.single(tokens)
                    .withBatch(tokens, tokens)
                    .withSeqMax(config.maxBatch())
                    .withThreads(config.threads())
                    .withEmbeddings(poolingType(config.pooling()));
            context = LlamaContext.create(model, params);
            if (context.batchSize() < tokens || context.microBatchSize() < tokens) {
                throw new EmbeddingException("model " + config.modelId() + ": llama.cpp gave batches of "
                        + context.batchSize() + "/" + context.microBatchSize() + " tokens, " + tokens + " needed");
            }
            PoolingType chosen = context.poolingType();
            if (chosen == PoolingType.NONE) {
                throw new EmbeddingException("model " + config.modelId() + " declares no pooling, so it has no"
                        + " vector per text; set pooling: mean, cls or last");
            }
            return new LlamaEmbedder(config, model, context, maxTokens, tokens);
        } catch (LlamaException | IllegalArgumentException | EmbeddingException e) {
            if (context != null) {
                context.close();
            }
            if (model != null) {
                model.close();
            }
            if (e instanceof EmbeddingException ee) {
                throw ee;
            }
            throw new EmbeddingException("model " + config.modelId() + ": llama.cpp cannot load " + gguf + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Cells of the context and tokens of one decode for inputs of up to {@code maxInputTokens}:
     * room for a whole batch of short inputs, never less than one longest input.
     */
    public static int runTokens(int maxInputTokens, int maxBatch) {
        long all = (long) maxInputTokens * maxBatch;
        return (int) Math.max(maxInputTokens, Math.min(all, RUN_TOKEN_TARGET));
    }

    static PoolingType poolingType(Pooling pooling) {
        return switch (pooling) {
            case MEAN -> PoolingType.MEAN;
            case CLS -> PoolingType.CLS;
            case LAST -> PoolingType.LAST;
            case MODEL -> PoolingType.UNSPECIFIED;
        };
    }

    @Override
    public String modelId() {
        return config.modelId();
    }

    /** {@code n_embd_out}: the hidden size for every model that does not project its output. */
    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public int maxInputTokens() {
        return maxInputTokens;
    }

    @Override
    public int maxBatch() {
        return config.maxBatch();
    }

    @Override
    public long runs() {
        return runs.get();
    }

    @Override
    public boolean threadConfined() {
        return true;
    }

    /** The pooling llama.cpp uses (the configured one, or the model's own). */
    public PoolingType pooling() {
        return pooling;
    }

    @Override
    public List<int[]> tokenize(List<String> texts) {
        checkOpen();
        List<int[]> ids = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String text = Objects.requireNonNull(texts.get(i), "texts[" + i + "]");
            int[] t = vocab.tokenize(text, true, false);
            if (t.length == 0) {
                // No token, no pooled vector: llama.cpp would have nothing to hand back for it.
                throw new EmbeddingInputException(i, EmbeddingInputException.Reason.INVALID,
                        "input " + i + " has no tokens for model " + config.modelId());
            }
            checkLength(i, t.length);
            ids.add(t);
        }
        return ids;
    }

    @Override
    public void validate(List<int[]> tokenIds) {
        int vocabSize = vocab.size();
        for (int i = 0; i < tokenIds.size(); i++) {
            int[] t = Objects.requireNonNull(tokenIds.get(i), "tokenIds[" + i + "]");
            if (t.length == 0) {
                throw new EmbeddingInputException(i, EmbeddingInputException.Reason.INVALID,
                        "input " + i + " has no tokens");
            }
            checkLength(i, t.length);
            for (int id : t) {
                if (id < 0 || id >= vocabSize) {
                    throw new EmbeddingInputException(i, EmbeddingInputException.Reason.INVALID,
                            "input " + i + " has token id " + id + ", outside the vocabulary of " + vocabSize);
                }
            }
        }
    }

    private void checkLength(int index, int tokens) {
        if (tokens > maxInputTokens) {
            throw new EmbeddingInputException(index, EmbeddingInputException.Reason.TOO_LONG,
                    "input " + index + " has " + tokens + " tokens, more than the " + maxInputTokens + " model "
                    + config.modelId() + " takes");
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

    @Override
    public EmbeddingResult embedChecked(List<int[]> ids) {
        List<float[]> vectors = new ArrayList<>(ids.size());
        for (int from = 0; from < ids.size(); from += config.maxBatch()) {
            for (float[] v : run(ids.subList(from, Math.min(ids.size(), from + config.maxBatch())))) {
                vectors.add(v);
            }
        }
        int[] counts = new int[ids.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = ids.get(i).length;
        }
        return new EmbeddingResult(vectors, counts);
    }

    /**
     * Embeds up to {@code maxBatch} validated inputs: as many decodes as {@link #runTokens} cells
     * need, each input one sequence of one decode.
     *
     * @throws EmbeddingException llama.cpp failed the decode
     * @throws IllegalStateException called from a thread other than the first, or closed
     */
    @Override
    public float[][] run(List<int[]> inputs) {
        checkThread();
        if (inputs.size() > config.maxBatch()) {
            throw new IllegalArgumentException(inputs.size() + " inputs in one run, more than max_batch "
                    + config.maxBatch());
        }
        float[][] out = new float[inputs.size()][];
        int from = 0;
        while (from < inputs.size()) {
            int to = from;
            int tokens = 0;
            while (to < inputs.size() && tokens + inputs.get(to).length <= runTokens) {
                tokens += inputs.get(to).length;
                to++;
            }
            if (to == from) {
                // validate/tokenize bound every input by maxInputTokens <= runTokens
                throw new IllegalArgumentException("input of " + inputs.get(from).length + " tokens exceeds a run of "
                        + runTokens);
            }
            decode(inputs, from, to, out);
            from = to;
        }
        return out;
    }

    /** One decode of inputs {@code [from, to)} as sequences {@code 0..}; their vectors into {@code out}. */
    private void decode(List<int[]> inputs, int from, int to, float[][] out) {
        context.clearMemory();
        batch.clear();
        for (int i = from; i < to; i++) {
            int[] t = inputs.get(i);
            for (int pos = 0; pos < t.length; pos++) {
                // every token is an output: an embeddings context pools all of them anyway
                batch.add(t[pos], pos, i - from, true);
            }
        }
        try {
            context.decode(batch);
        } catch (DecodeException e) {
            throw new EmbeddingException("model " + config.modelId() + ": llama.cpp decode failed: " + e.getMessage(), e);
        } finally {
            runs.incrementAndGet();
        }
        for (int i = from; i < to; i++) {
            MemorySegment v = context.sequenceEmbedding(i - from);
            out[i] = normalize(v.toArray(JAVA_FLOAT));
        }
        context.clearMemory();
    }

    private static float[] normalize(float[] v) {
        double sq = 0;
        for (float x : v) {
            sq += (double) x * x;
        }
        if (!(sq > 0) || Double.isInfinite(sq)) {
            throw new EmbeddingException("model produced a vector of norm " + Math.sqrt(sq) + "; cannot normalise it");
        }
        float inv = (float) (1 / Math.sqrt(sq));
        for (int i = 0; i < v.length; i++) {
            v[i] *= inv;
        }
        return v;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("embedding model " + config.modelId() + " is closed");
        }
    }

    private void checkThread() {
        checkOpen();
        Thread current = Thread.currentThread();
        Thread first = owner.compareAndExchange(null, current);
        if (first != null && first != current) {
            throw new IllegalStateException("embedding model " + config.modelId() + " runs on " + first.getName()
                    + ", not on " + current.getName() + " (its llama.cpp context is not thread-safe)");
        }
    }

    /** Frees the context, then the model. A second close is harmless. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            batch.close();
            context.close();
        } finally {
            model.close();
        }
    }
}
