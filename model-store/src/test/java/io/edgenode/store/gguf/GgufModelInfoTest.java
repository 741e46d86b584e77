package io.edgenode.store.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufModelInfoTest {

    @TempDir
    Path dir;

    @Test
    void shouldReadArchitectureFacts() throws IOException {
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "llama")
                .putString("general.name", "demo")
                .putU32("general.file_type", 15)
                .putU32("llama.context_length", 8192)
                .putU32("llama.block_count", 32)
                .putU32("llama.embedding_length", 4096)
                .putU32("llama.feed_forward_length", 14336)
                .putU32("llama.attention.head_count", 32)
                .putU32("llama.attention.head_count_kv", 8)
                .putString("tokenizer.ggml.model", "gpt2")
                .put("tokenizer.ggml.tokens", GgufArray.ofStrings(List.of("a", "b", "c")))
                .putString("tokenizer.chat_template", "{{ x }}")
                .addTensor("a", GgmlType.F32, new long[] {4, 2}, TensorDataSource.of(new byte[32]))
                .addTensor("b", GgmlType.Q8_0, new long[] {64}, TensorDataSource.of(new byte[68]))
                .addTensor("c", GgmlType.F32, new long[] {4}, TensorDataSource.of(new byte[16]));
        Path p = dir.resolve("m.gguf");
        w.write(p);
        try (GgufFile f = GgufFile.open(p)) {
            GgufModelInfo info = GgufModelInfo.of(f);
            assertEquals("llama", info.architecture());
            assertEquals(Optional.of("demo"), info.name());
            assertEquals(8192, info.contextLength());
            assertEquals(32, info.blockCount());
            assertEquals(4096, info.embeddingLength());
            assertEquals(14336, info.feedForwardLength());
            assertEquals(32, info.headCount());
            assertEquals(8, info.headCountKv());
            assertEquals(128, info.keyLength());
            assertEquals(128, info.valueLength());
            assertEquals(3, info.vocabSize(), "falls back to the token list length");
            assertEquals(Optional.of("gpt2"), info.tokenizerModel());
            assertEquals(Optional.of("{{ x }}"), info.chatTemplate());
            assertEquals("Q4_K_M", info.fileTypeName());
            assertEquals(Optional.of(LlamaFileType.MOSTLY_Q4_K_M), info.llamaFileType());
            assertEquals(Map.of(GgmlType.F32, new TensorTypeStats(2, 12, 48), GgmlType.Q8_0, new TensorTypeStats(1, 64, 68)), info.tensorTypes());
            assertEquals(76, info.parameterCount());
            assertEquals(116, info.tensorDataBytes());
            assertTrue(info.hasTransformerShape());
        }
    }

    @Test
    void shouldPreferDeclaredVocabSizeAndHandlePerLayerArrays() throws GgufFormatException {
        GgufMetadata m = GgufMetadata.of(Map.of(
                "general.architecture", GgufValue.string("x"),
                "x.vocab_size", GgufValue.u32(99),
                "tokenizer.ggml.tokens", GgufArray.ofStrings(List.of("a")),
                "x.attention.head_count", GgufArray.ofInt32(new int[] {4, 8, 6}),
                "x.attention.key_length", GgufValue.u32(96),
                "general.file_type", GgufValue.u32(999)));
        GgufModelInfo info = GgufModelInfo.of(m, List.of(), null);
        assertEquals(99, info.vocabSize());
        assertEquals(8, info.headCount());
        assertEquals(8, info.headCountKv(), "defaults to head_count like llama.cpp");
        assertEquals(96, info.keyLength());
        assertEquals("unknown (999)", info.fileTypeName());
        assertFalse(info.hasTransformerShape());
        assertEquals("unspecified", GgufModelInfo.of(GgufMetadata.of(Map.of("general.architecture", GgufValue.string("x"))), List.of(), null).fileTypeName());
    }

    @Test
    void shouldRejectMissingArchitectureAndWrongTypes() throws IOException {
        assertThrows(GgufFormatException.class, () -> GgufModelInfo.of(GgufMetadata.of(Map.of()), List.of(), null));
        Path p = dir.resolve("bad.gguf");
        new GgufWriter().putString("general.architecture", "llama").putString("llama.block_count", "many").write(p);
        try (GgufFile f = GgufFile.open(p)) {
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufModelInfo.of(f));
            assertTrue(e.getMessage().contains("llama.block_count"), e.getMessage());
            assertEquals(f.metadata().offsetOf("llama.block_count").orElseThrow(), e.offset());
        }
    }
}
