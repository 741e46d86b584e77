package io.edgenode.store.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.store.gguf.GgmlType;
import io.edgenode.store.gguf.GgufArray;
import io.edgenode.store.gguf.GgufFile;
import io.edgenode.store.gguf.GgufFormatException;
import io.edgenode.store.gguf.GgufModelInfo;
import io.edgenode.store.gguf.GgufTensorInfo;
import io.edgenode.store.gguf.GgufWriter;
import io.edgenode.store.gguf.MemoryEstimate;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticModelBuilderTest {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    @Test
    void shouldWriteTinyModelWhoseFactsReadBack() throws IOException {
        Path p = dir.resolve("tiny.gguf");
        long size = SyntheticModelBuilder.of(ModelPreset.TINY).write(p);
        assertTrue(size < 5_000_000, "tiny F32 is " + size + " bytes");
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(size, f.fileSize());
            GgufModelInfo info = GgufModelInfo.of(f);
            assertEquals("llama", info.architecture());
            assertEquals(Optional.of("edgenode-synthetic-tiny"), info.name());
            assertEquals(4096, info.contextLength());
            assertEquals(2, info.blockCount());
            assertEquals(256, info.embeddingLength());
            assertEquals(256, info.feedForwardLength());
            assertEquals(4, info.headCount());
            assertEquals(2, info.headCountKv());
            assertEquals(64, info.keyLength());
            assertEquals(384, info.vocabSize());
            assertEquals(Optional.of("llama"), info.tokenizerModel());
            assertEquals(Optional.of(ChatTemplates.PLAIN_ROLES), info.chatTemplate());
            assertEquals("F32", info.fileTypeName());
            assertEquals(ModelPreset.TINY.shape().parameterCount(), info.parameterCount());
            assertEquals(4 * info.parameterCount(), info.tensorDataBytes());
            assertEquals(3 + 9 * 2, f.tensors().size());
            assertEquals(64, f.metadata().requireInt("llama.rope.dimension_count"));
            assertEquals(1e-5f, f.metadata().requireFloat("llama.attention.layer_norm_rms_epsilon"));
            assertEquals(10000f, f.metadata().requireFloat("llama.rope.freq_base"));
            assertEquals(384, f.metadata().requireInt("llama.vocab_size"));
            assertEquals(42, f.metadata().requireLong("edgenode.synthetic.seed"));
            assertEquals(1, f.metadata().requireInt("tokenizer.ggml.bos_token_id"));
            assertEquals(2, f.metadata().requireInt("tokenizer.ggml.eos_token_id"));
            assertEquals(0, f.metadata().requireInt("tokenizer.ggml.unknown_token_id"));
            assertTrue(f.metadata().requireBool("tokenizer.ggml.add_bos_token"));
            assertFalse(f.metadata().requireBool("tokenizer.ggml.add_eos_token"));
            assertEquals(ByteVocabulary.of(384).tokens(), f.metadata().requireArray("tokenizer.ggml.tokens").strings());
            assertEquals(384, f.metadata().requireArray("tokenizer.ggml.scores").size());
            assertEquals(384, f.metadata().requireArray("tokenizer.ggml.token_type").size());
            assertEquals(2L * 2 * 4096 * 2 * 64 * 2, MemoryEstimate.of(info, 4096).kvCacheBytes());
        }
    }

    @Test
    void shouldLayOutTensorsAsLlamaCppExpects() throws IOException {
        // nFf differs from nEmbd here, so the orientation of every FFN weight is visible.
        ModelShape shape = new ModelShape(64, 1, 4, 2, 128, 256, 300);
        Path p = dir.resolve("shape.gguf");
        new SyntheticModelBuilder(shape).write(p);
        try (GgufFile f = GgufFile.open(p)) {
            List<String> names = f.tensors().stream().map(GgufTensorInfo::name).toList();
            assertEquals(List.of("token_embd.weight",
                    "blk.0.attn_norm.weight", "blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight",
                    "blk.0.attn_output.weight", "blk.0.ffn_norm.weight", "blk.0.ffn_gate.weight",
                    "blk.0.ffn_up.weight", "blk.0.ffn_down.weight",
                    "output_norm.weight", "output.weight"), names);
            assertDims(f, "token_embd.weight", 64, 300);
            assertDims(f, "output.weight", 64, 300);
            assertDims(f, "output_norm.weight", 64);
            assertDims(f, "blk.0.attn_norm.weight", 64);
            assertDims(f, "blk.0.attn_q.weight", 64, 64);
            assertDims(f, "blk.0.attn_k.weight", 64, 32); // head dim 16 * 2 KV heads
            assertDims(f, "blk.0.attn_v.weight", 64, 32);
            assertDims(f, "blk.0.attn_output.weight", 64, 64);
            assertDims(f, "blk.0.ffn_gate.weight", 64, 128);
            assertDims(f, "blk.0.ffn_up.weight", 64, 128);
            assertDims(f, "blk.0.ffn_down.weight", 128, 64);
            assertEquals(16, f.metadata().requireInt("llama.rope.dimension_count"));
        }
    }

    @Test
    void shouldWriteIdenticalBytesForTheSameSeedAndDifferentBytesForAnother() throws IOException {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        Path c = dir.resolve("c.gguf");
        SyntheticModelBuilder.of(ModelPreset.TINY).weightType(GgmlType.F16).seed(7).write(a);
        SyntheticModelBuilder.of(ModelPreset.TINY).weightType(GgmlType.F16).seed(7).write(b);
        SyntheticModelBuilder.of(ModelPreset.TINY).weightType(GgmlType.F16).seed(8).write(c);
        assertEquals(sha256(a), sha256(b));
        assertNotEquals(sha256(a), sha256(c));
        try (GgufFile fa = GgufFile.open(a); GgufFile fc = GgufFile.open(c)) {
            assertEquals(fa.tensors(), fc.tensors(), "same layout");
            GgufTensorInfo q = fa.tensor("blk.1.attn_q.weight").orElseThrow();
            assertFalse(fa.tensorData(q).mismatch(fc.tensorData(q)) == -1, "different weights");
            GgufTensorInfo norm = fa.tensor("blk.1.ffn_norm.weight").orElseThrow();
            assertEquals(-1, fa.tensorData(norm).mismatch(fc.tensorData(norm)), "norms do not depend on the seed");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(3, files.count(), "no temporary files left behind");
        }
    }

    @Test
    void shouldHalveTwoDimensionalTensorsInF16AndKeepNormsF32() throws IOException {
        Path f32 = dir.resolve("f32.gguf");
        Path f16 = dir.resolve("f16.gguf");
        SyntheticModelBuilder.of(ModelPreset.TINY).write(f32);
        SyntheticModelBuilder.of(ModelPreset.TINY).weightType(GgmlType.F16).write(f16);
        try (GgufFile a = GgufFile.open(f32); GgufFile b = GgufFile.open(f16)) {
            assertEquals("F16", GgufModelInfo.of(b).fileTypeName());
            for (GgufTensorInfo t32 : a.tensors()) {
                GgufTensorInfo t16 = b.tensor(t32.name()).orElseThrow();
                assertArrayEquals(t32.dims(), t16.dims(), t32.name());
                if (t32.nDims() == 2) {
                    assertEquals(GgmlType.F16, t16.type(), t32.name());
                    assertEquals(t32.byteSize() / 2, t16.byteSize(), t32.name());
                } else {
                    assertEquals(GgmlType.F32, t16.type(), t32.name());
                    assertEquals(t32.byteSize(), t16.byteSize(), t32.name());
                }
            }
            assertTrue(b.fileSize() < a.fileSize() * 0.55);
        }
        assertThrows(IllegalArgumentException.class, () -> SyntheticModelBuilder.of(ModelPreset.TINY).weightType(GgmlType.Q4_0));
    }

    @Test
    void shouldScaleWeightsLikeAnInitializedTransformer() throws IOException {
        Path p = dir.resolve("stats.gguf");
        SyntheticModelBuilder.of(ModelPreset.TINY).weightType(GgmlType.F16).write(p);
        try (GgufFile f = GgufFile.open(p)) {
            double[] embd = stats(f, "token_embd.weight");
            assertEquals(0, embd[0], 0.01);
            assertEquals(SyntheticModelBuilder.EMBEDDING_STD, embd[1], 0.01);
            double[] q = stats(f, "blk.0.attn_q.weight");
            assertEquals(0, q[0], 0.001);
            assertEquals(SyntheticModelBuilder.PROJECTION_STD, q[1], 0.001);
            double[] down = stats(f, "blk.1.ffn_down.weight");
            assertEquals(SyntheticModelBuilder.PROJECTION_STD / 2, down[1], 0.001); // / sqrt(2 * 2 layers)
            MemorySegment norm = f.tensorData(f.tensor("output_norm.weight").orElseThrow());
            for (float v : norm.toArray(F32)) {
                assertEquals(1f, v);
            }
        }
    }

    @Test
    void shouldCopyLlama3VocabularyAndAddItsChatTemplate() throws IOException {
        List<String> tokens = sourceTokens(true);
        Path source = dir.resolve("vocab.gguf");
        vocabularyFile(tokens, null).write(source);
        Path p = dir.resolve("l3.gguf");
        SyntheticModelBuilder.of(ModelPreset.TINY).vocabFrom(source).write(p);
        try (GgufFile src = GgufFile.open(source); GgufFile f = GgufFile.open(p)) {
            src.metadata().asMap().forEach((k, v) -> {
                if (k.startsWith("tokenizer.")) {
                    assertEquals(v, f.metadata().get(k).orElseThrow(), k);
                }
            });
            GgufModelInfo info = GgufModelInfo.of(f);
            assertEquals(tokens.size(), info.vocabSize());
            assertEquals(tokens.size(), f.metadata().requireInt("llama.vocab_size"));
            assertDims(f, "token_embd.weight", 256, tokens.size());
            assertDims(f, "output.weight", 256, tokens.size());
            assertEquals(Optional.of(ChatTemplates.LLAMA_3), info.chatTemplate());
            assertEquals(tokens.indexOf("<|eot_id|>"), f.metadata().requireInt("tokenizer.ggml.eot_token_id"));
            assertEquals(5, f.metadata().requireInt("tokenizer.ggml.eos_token_id"), "the source's EOS is kept");
            assertEquals(Optional.of("gpt2"), info.tokenizerModel());
        }
    }

    @Test
    void shouldKeepTheSourceTemplateUnlessOverridden() throws IOException {
        Path source = dir.resolve("vocab.gguf");
        vocabularyFile(sourceTokens(true), "{{ source }}").write(source);
        Path kept = dir.resolve("kept.gguf");
        Path overridden = dir.resolve("overridden.gguf");
        SyntheticModelBuilder.of(ModelPreset.TINY).vocabFrom(source).write(kept);
        SyntheticModelBuilder.of(ModelPreset.TINY).vocabFrom(source).chatTemplate("{{ mine }}").write(overridden);
        try (GgufFile k = GgufFile.open(kept); GgufFile o = GgufFile.open(overridden)) {
            assertEquals("{{ source }}", k.metadata().requireString("tokenizer.chat_template"));
            assertFalse(k.metadata().contains("tokenizer.ggml.eot_token_id"));
            assertEquals("{{ mine }}", o.metadata().requireString("tokenizer.chat_template"));
        }
    }

    @Test
    void shouldWriteNoTemplateForOtherVocabulariesWithoutOne() throws IOException {
        Path source = dir.resolve("vocab.gguf");
        vocabularyFile(sourceTokens(false), null).write(source);
        Path p = dir.resolve("plain.gguf");
        SyntheticModelBuilder.of(ModelPreset.TINY).vocabFrom(source).write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertTrue(GgufModelInfo.of(f).chatTemplate().isEmpty());
        }
    }

    @Test
    void shouldRejectVocabularySourceWithoutTokens() throws IOException {
        Path source = dir.resolve("empty.gguf");
        new GgufWriter().putString("general.architecture", "llama").write(source);
        Path out = dir.resolve("out.gguf");
        GgufFormatException e = assertThrows(GgufFormatException.class,
                () -> SyntheticModelBuilder.of(ModelPreset.TINY).vocabFrom(source).write(out));
        assertTrue(e.getMessage().contains("tokenizer.ggml.tokens"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    private static List<String> sourceTokens(boolean llama3) {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            tokens.add("tok" + i);
        }
        if (llama3) {
            tokens.set(1, "<|begin_of_text|>");
            tokens.set(5, "<|end_of_text|>");
            tokens.set(6, "<|start_header_id|>");
            tokens.set(7, "<|end_header_id|>");
            tokens.set(9, "<|eot_id|>");
        }
        return tokens;
    }

    /** A vocabulary-only GGUF shaped like llama.cpp's ggml-vocab-llama-bpe.gguf. */
    private static GgufWriter vocabularyFile(List<String> tokens, String template) {
        int[] types = new int[tokens.size()];
        java.util.Arrays.fill(types, 1);
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "llama")
                .putString("general.name", "source")
                .putU32("llama.block_count", 32)
                .putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "llama-bpe")
                .put("tokenizer.ggml.tokens", GgufArray.ofStrings(tokens))
                .put("tokenizer.ggml.token_type", GgufArray.ofInt32(types))
                .put("tokenizer.ggml.merges", GgufArray.ofStrings(List.of("t o", "to k")))
                .putU32("tokenizer.ggml.bos_token_id", 1)
                .putU32("tokenizer.ggml.eos_token_id", 5);
        if (template != null) {
            w.putString("tokenizer.chat_template", template);
        }
        return w;
    }

    private static void assertDims(GgufFile f, String tensor, long... dims) {
        assertArrayEquals(dims, f.tensor(tensor).orElseThrow().dims(), tensor);
    }

    /** Mean and standard deviation of an F32 or F16 tensor. */
    private static double[] stats(GgufFile f, String tensor) {
        GgufTensorInfo t = f.tensor(tensor).orElseThrow();
        MemorySegment data = f.tensorData(t);
        double sum = 0;
        double sumSq = 0;
        long n = t.elementCount();
        for (long i = 0; i < n; i++) {
            double v = t.type() == GgmlType.F16 ? Float.float16ToFloat(data.getAtIndex(F16, i)) : data.getAtIndex(F32, i);
            sum += v;
            sumSq += v * v;
        }
        double mean = sum / n;
        return new double[] {mean, Math.sqrt(sumSq / n - mean * mean)};
    }

    private static String sha256(Path p) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
