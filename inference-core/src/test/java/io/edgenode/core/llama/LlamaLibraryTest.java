package io.edgenode.core.llama;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaLibraryTest {
    @TempDir
    Path tmp;

    @Test
    void shouldLoadOnceAndReportBackends() {
        LlamaLibrary a = LlamaLibrary.load();
        assertSame(a, LlamaLibrary.load());
        assertTrue(a.systemInfo().contains("CPU"), a.systemInfo());
    }

    @Test
    void shouldFailClearlyOnWrongLibraryPath() throws IOException {
        var missing = assertThrows(LlamaLibraryException.class, () -> LlamaLibrary.load(tmp.resolve("missing")));
        assertTrue(missing.getMessage().contains("scripts/native fetch"), missing.getMessage());

        // Files with the right names but no ELF inside: refused, never loaded, the JVM lives on.
        Path fake = Files.createDirectories(tmp.resolve("fake"));
        byte[] junk = new byte[4096];
        new Random(7).nextBytes(junk);
        for (String name : new String[] {"libggml-base.so", "libggml.so", "libllama.so"}) {
            Files.write(fake.resolve(name), junk);
        }
        assertThrows(LlamaLibraryException.class, () -> LlamaLibrary.load(fake));
        // and the real library still works afterwards
        assertTrue(LlamaLibrary.load().supportsMmap());
    }
}
