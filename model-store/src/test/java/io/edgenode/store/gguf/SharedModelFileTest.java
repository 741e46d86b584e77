package io.edgenode.store.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reads a real third-party GGUF (a tiny random Llama 2 with the real 32000-token vocabulary) from the
 * shared models folder beside the repository; skipped where that folder is absent (a fresh clone).
 */
class SharedModelFileTest {

    private Path model;

    @BeforeEach
    void locate() {
        String home = System.getProperty("edgenode.home");
        assumeTrue(home != null, "edgenode.home not set");
        model = Path.of(home).resolve("../shared/models/llama-2-tiny-random.gguf").normalize();
        assumeTrue(Files.isRegularFile(model), "no shared test model at " + model);
    }

    @Test
    void shouldReadLlamaFactsFromRealFile() throws IOException {
        try (GgufFile f = GgufFile.open(model)) {
            assertEquals(3, f.version());
            assertEquals(1_750_560, f.fileSize());
            GgufModelInfo info = GgufModelInfo.of(f);
            assertEquals("llama", info.architecture());
            assertEquals(32000, info.vocabSize());
            assertEquals(1, info.blockCount());
            assertEquals(8, info.embeddingLength());
            assertEquals(Optional.empty(), info.chatTemplate());
            assertEquals(Optional.of("llama"), info.tokenizerModel());
            assertEquals("F16", info.fileTypeName());
            assertEquals(12, f.tensors().size());
            assertEquals(List.of("<unk>", "<s>", "</s>"), f.metadata().requireArray("tokenizer.ggml.tokens").strings().subList(0, 3));
        }
    }

    @Test
    void shouldMapTensorDataInsideFile() throws IOException {
        try (GgufFile f = GgufFile.open(model)) {
            GgufTensorInfo embd = f.tensor("token_embd.weight").orElseThrow();
            assertEquals(GgmlType.F16, embd.type());
            assertArrayEquals(new long[] {8, 32000}, embd.dims());
            assertEquals(512_000, f.tensorData(embd).byteSize());
            GgufTensorInfo norm = f.tensor("output_norm.weight").orElseThrow();
            float[] weights = f.tensorData(norm).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
            assertEquals(8, weights.length);
            for (float w : weights) {
                assertTrue(Float.isFinite(w));
            }
            long end = 0;
            for (GgufTensorInfo t : f.tensors()) {
                end = Math.max(end, f.dataOffset() + t.offset() + t.byteSize());
            }
            assertTrue(end <= f.fileSize());
        }
    }
}
