package io.edgenode.core.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.store.gguf.GgmlType;
import io.edgenode.store.gguf.GgufFile;
import io.edgenode.store.gguf.GgufModelInfo;
import io.edgenode.store.synth.ModelPreset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantizerTest {
    @TempDir
    Path tmp;

    private static byte[] sha256(Path p) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
    }

    @Test
    void shouldQuantizeDeterministicallyWithLlamaCppsQuantizer() throws Exception {
        LlamaLibrary library = LlamaLibrary.load();
        Path a = tmp.resolve("a.gguf");
        Path b = tmp.resolve("b.gguf");
        SyntheticModels.write(library, ModelPreset.TINY, QuantType.Q4_K_M, 42, null, a, 2);
        SyntheticModels.write(library, ModelPreset.TINY, QuantType.Q4_K_M, 42, null, b, 1);
        assertArrayEquals(sha256(a), sha256(b), "same preset, quant and seed: same bytes");
        try (GgufFile f = GgufFile.open(a)) {
            GgufModelInfo info = GgufModelInfo.of(f);
            assertEquals("Q4_K_M", info.fileTypeName());
            assertTrue(info.tensorTypes().containsKey(GgmlType.Q4_K), info.tensorTypes().toString());
        }
        assertFalse(Files.exists(tmp.resolve("a.gguf.f16.tmp")), "the F16 source is removed");
        assertFalse(Files.exists(tmp.resolve("a.gguf.quantizing")), "no partial output left");
    }

    @Test
    void shouldFailClearlyOnABadInput() throws IOException {
        Path junk = Files.write(tmp.resolve("junk.gguf"), new byte[] {1, 2, 3});
        Path out = tmp.resolve("out.gguf");
        var e = assertThrows(ModelLoadException.class,
                () -> new Quantizer(LlamaLibrary.load()).quantize(junk, out, QuantType.Q8_0, 1));
        assertTrue(e.getMessage().contains("failed"), e.getMessage());
        assertFalse(Files.exists(out));
    }
}
