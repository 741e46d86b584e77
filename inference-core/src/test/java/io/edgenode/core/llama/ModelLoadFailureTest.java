package io.edgenode.core.llama;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad model files give a clear {@link ModelLoadException}; the JVM and the library live on. */
class ModelLoadFailureTest {
    private static LlamaLibrary library;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        library = LlamaLibrary.load();
    }

    private void assertRefused(Path file, String expectedInMessage) {
        var e = assertThrows(ModelLoadException.class, () -> LlamaModel.load(library, file, ModelParams.defaults()));
        assertTrue(e.getMessage().contains(expectedInMessage), e.getMessage());
        // still alive and able to load a good model
        try (LlamaModel ok = LlamaModel.load(library, TestModels.tiny(QuantType.Q8_0), ModelParams.defaults())) {
            assertTrue(ok.vocab().size() > 0);
        }
    }

    @Test
    void shouldRefuseMissingFile() {
        assertRefused(tmp.resolve("nope.gguf"), "not found");
    }

    @Test
    void shouldRefuseDirectory() {
        assertRefused(tmp, "not a regular file");
    }

    @Test
    void shouldRefuseRandomBytes() throws IOException {
        byte[] junk = new byte[1 << 16];
        new Random(1).nextBytes(junk);
        Path f = Files.write(tmp.resolve("junk.gguf"), junk);
        assertRefused(f, "not a valid GGUF");
    }

    @Test
    void shouldRefuseTruncatedModels() throws IOException {
        byte[] whole = Files.readAllBytes(TestModels.tiny(QuantType.Q8_0));
        for (int cut : new int[] {3, 20, 200, 5_000, whole.length / 2, whole.length - 1}) {
            Path f = Files.write(tmp.resolve("cut-" + cut + ".gguf"), Arrays.copyOf(whole, cut));
            assertRefused(f, "not a valid GGUF");
        }
    }

    @Test
    void shouldRefuseALyingArrayLength() throws IOException {
        // GGUF v3 header, one KV pair: an array of uint32 claiming 2^40 elements, then nothing.
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(0).putLong(1);
        byte[] key = "tokenizer.ggml.tokens".getBytes(StandardCharsets.UTF_8);
        b.putLong(key.length).put(key).putInt(9 /* array */).putInt(4 /* uint32 */).putLong(1L << 40);
        Path f = Files.write(tmp.resolve("lying.gguf"), Arrays.copyOf(b.array(), b.position()));
        assertRefused(f, "not a valid GGUF");
    }
}
