package io.edgenode.store.synth;

import io.edgenode.store.gguf.GgmlType;
import io.edgenode.store.gguf.GgufValue;
import io.edgenode.store.gguf.GgufWriter;
import io.edgenode.store.gguf.LlamaFileType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Confined to one thread (configure, then {@link #write}): builds a synthetic llama-architecture GGUF
 * model that llama.cpp loads and runs, with real shapes, seeded random weights, and a byte-level
 * vocabulary (or the vocabulary of another GGUF file).
 *
 * <p>Tensors and metadata are those llama.cpp's llama architecture reads (see its
 * {@code llama_model_llama::load_arch_tensors}): {@code token_embd}, {@code output_norm},
 * {@code output}, and per block {@code attn_norm}, {@code attn_q/k/v}, {@code attn_output},
 * {@code ffn_norm}, {@code ffn_gate/up/down}; 2-D weights are {@code {in, out}} in ggml order (ne[0]
 * is the input dimension, the row length). 1-D norm weights are always F32 and 1.0, as llama.cpp's
 * converters write them.
 *
 * <p>Weights are uniform noise scaled like a freshly initialized transformer: projections with standard
 * deviation 0.02, the two residual-branch outputs ({@code attn_output}, {@code ffn_down}) scaled down
 * by sqrt(2 * n_layer) as in GPT-2, and token embeddings with standard deviation {@value #EMBEDDING_STD}
 * so that the residual stream carries the current token clearly; logits then depend on the input
 * and greedy decoding wanders through the vocabulary instead of repeating one token.
 *
 * <p>Same shape, weight type, seed, name, vocabulary and template give a byte-identical file. Data is
 * streamed to disk; a 2.2 GB model needs a few MB of heap.
 */
public final class SyntheticModelBuilder {

    public static final long DEFAULT_SEED = 42;
    public static final String DEFAULT_NAME = "edgenode-synthetic";

    static final float PROJECTION_STD = 0.02f;
    static final float EMBEDDING_STD = 0.5f;

    private final ModelShape shape;
    private GgmlType weightType = GgmlType.F32;
    private long seed = DEFAULT_SEED;
    private String name = DEFAULT_NAME;
    private Path vocabularySource;
    private String chatTemplate;

    public SyntheticModelBuilder(ModelShape shape) {
        this.shape = Objects.requireNonNull(shape, "shape");
    }

    /** A builder for {@code preset}, named {@code edgenode-synthetic-<preset id>}. */
    public static SyntheticModelBuilder of(ModelPreset preset) {
        return new SyntheticModelBuilder(preset.shape()).name(DEFAULT_NAME + "-" + preset.id());
    }

    /** F32 (default) or F16 for the 2-D weights; norms stay F32. Quantize with llama.cpp afterwards. */
    public SyntheticModelBuilder weightType(GgmlType type) {
        if (type != GgmlType.F32 && type != GgmlType.F16) {
            throw new IllegalArgumentException("synthetic weights are F32 or F16 (quantize with llama.cpp), not " + type);
        }
        this.weightType = type;
        return this;
    }

    public SyntheticModelBuilder seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** {@code general.name}. */
    public SyntheticModelBuilder name(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    /**
     * Use the tokenizer of another GGUF file instead of the byte vocabulary: every
     * {@code tokenizer.ggml.*} key is copied (and {@code tokenizer.chat_template} when present), and
     * the vocabulary size becomes that file's token count, which sizes {@code token_embd} and
     * {@code output}. A Llama 3 vocabulary without a template gets {@link ChatTemplates#LLAMA_3}; other
     * vocabularies without one get no template unless {@link #chatTemplate} sets one. The file is read
     * when {@link #write} runs.
     */
    public SyntheticModelBuilder vocabFrom(Path gguf) {
        this.vocabularySource = Objects.requireNonNull(gguf, "gguf");
        return this;
    }

    /** Overrides the chat template, whatever the vocabulary. */
    public SyntheticModelBuilder chatTemplate(String template) {
        this.chatTemplate = Objects.requireNonNull(template, "template");
        return this;
    }

    /**
     * Writes the model atomically to {@code out}.
     *
     * @return the file size in bytes
     * @throws IOException if the vocabulary source cannot be read or the file cannot be written
     */
    public long write(Path out) throws IOException {
        VocabularySource vocab = vocabularySource == null ? null : VocabularySource.read(vocabularySource);
        ModelShape s = vocab == null ? shape : shape.withVocabSize(vocab.tokenCount());
        GgufWriter w = new GgufWriter();
        putModelMetadata(w, s);
        putTokenizer(w, s, vocab);
        addTensors(w, s);
        return w.write(out);
    }

    private void putModelMetadata(GgufWriter w, ModelShape s) {
        w.putString("general.architecture", "llama");
        w.putString("general.name", name);
        w.putU32("general.file_type", (weightType == GgmlType.F16 ? LlamaFileType.MOSTLY_F16 : LlamaFileType.ALL_F32).id());
        w.putU32("llama.context_length", s.contextLength());
        w.putU32("llama.embedding_length", s.nEmbd());
        w.putU32("llama.block_count", s.nLayer());
        w.putU32("llama.feed_forward_length", s.nFf());
        w.putU32("llama.rope.dimension_count", s.headDim());
        w.putU32("llama.attention.head_count", s.nHead());
        w.putU32("llama.attention.head_count_kv", s.nHeadKv());
        w.putF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        w.putF32("llama.rope.freq_base", 10000f);
        w.putU32("llama.vocab_size", s.vocabSize());
        // Provenance for `edgenode inspect`; llama.cpp ignores keys it does not know.
        w.putU64("edgenode.synthetic.seed", seed);
    }

    private void putTokenizer(GgufWriter w, ModelShape s, VocabularySource vocab) {
        String template = chatTemplate;
        if (vocab == null) {
            ByteVocabulary.of(s.vocabSize()).putInto(w);
            if (template == null) {
                template = ChatTemplates.PLAIN_ROLES;
            }
        } else {
            for (Map.Entry<String, GgufValue> e : vocab.entries().entrySet()) {
                if (template == null || !e.getKey().equals(VocabularySource.CHAT_TEMPLATE_KEY)) {
                    w.put(e.getKey(), e.getValue());
                }
            }
            if (template == null && !vocab.hasChatTemplate() && vocab.llama3()) {
                template = ChatTemplates.LLAMA_3;
                // llama.cpp finds <|eot_id|> by its text anyway; stating it makes it visible to every reader.
                if (vocab.eotId().isPresent() && !vocab.entries().containsKey("tokenizer.ggml.eot_token_id")) {
                    w.putU32("tokenizer.ggml.eot_token_id", vocab.eotId().getAsInt());
                }
            }
        }
        if (template != null) {
            w.putString(VocabularySource.CHAT_TEMPLATE_KEY, template);
        }
    }

    private void addTensors(GgufWriter w, ModelShape s) {
        ByteBuffer scratch = RandomWeights.newScratch();
        long e = s.nEmbd();
        float residualStd = (float) (PROJECTION_STD / Math.sqrt(2.0 * s.nLayer()));
        addNoise(w, scratch, "token_embd.weight", EMBEDDING_STD, e, s.vocabSize());
        for (int i = 0; i < s.nLayer(); i++) {
            String blk = "blk." + i + ".";
            addNorm(w, scratch, blk + "attn_norm.weight", e);
            addNoise(w, scratch, blk + "attn_q.weight", PROJECTION_STD, e, e);
            addNoise(w, scratch, blk + "attn_k.weight", PROJECTION_STD, e, s.nEmbdKv());
            addNoise(w, scratch, blk + "attn_v.weight", PROJECTION_STD, e, s.nEmbdKv());
            addNoise(w, scratch, blk + "attn_output.weight", residualStd, e, e);
            addNorm(w, scratch, blk + "ffn_norm.weight", e);
            addNoise(w, scratch, blk + "ffn_gate.weight", PROJECTION_STD, e, s.nFf());
            addNoise(w, scratch, blk + "ffn_up.weight", PROJECTION_STD, e, s.nFf());
            addNoise(w, scratch, blk + "ffn_down.weight", residualStd, s.nFf(), e);
        }
        addNorm(w, scratch, "output_norm.weight", e);
        addNoise(w, scratch, "output.weight", PROJECTION_STD, e, s.vocabSize());
    }

    private void addNoise(GgufWriter w, ByteBuffer scratch, String tensor, float std, long in, long out) {
        w.addTensor(tensor, weightType, new long[] {in, out},
                RandomWeights.noise(weightType, in * out, seed, tensor, std, scratch));
    }

    private static void addNorm(GgufWriter w, ByteBuffer scratch, String tensor, long n) {
        w.addTensor(tensor, GgmlType.F32, new long[] {n}, RandomWeights.constant(GgmlType.F32, n, 1f, scratch));
    }
}
