package io.edgenode.core.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibraryLocatorTest {
    @TempDir
    Path tmp;

    private static NativeLibraryLocator locator(Map<String, String> env, Map<String, String> props) {
        return new NativeLibraryLocator(env::get, props::get);
    }

    private Path fakeLibDir(String name, String libFile) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.write(dir.resolve(libFile), new byte[] {1});
        return dir;
    }

    @Test
    void shouldPreferExplicitFolderOverEnvironment() throws IOException {
        Path explicit = fakeLibDir("explicit", "libllama.so");
        Path fromEnv = fakeLibDir("env", "libllama.so");
        var locator = locator(Map.of("EDGENODE_LLAMA_LIB", fromEnv.toString()), Map.of());
        assertEquals(explicit.toAbsolutePath(), locator.locate(explicit));
        assertEquals(fromEnv.toAbsolutePath(), locator.locate(null));
    }

    @Test
    void shouldFindPlatformFolderUnderProjectHome() throws IOException {
        Path home = tmp.resolve("home");
        Path dir = Files.createDirectories(home.resolve("native/build/" + NativeLibraryLocator.platform()));
        Files.write(dir.resolve("libllama.v0.5.0.so"), new byte[] {1});
        var locator = locator(Map.of(), Map.of("edgenode.home", home.toString()));
        assertEquals(dir.toAbsolutePath(), locator.locate(null));
    }

    @Test
    void shouldNameTheFetchCommandWhenFolderHasNoLibrary() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        var e = assertThrows(LlamaLibraryException.class, () -> locator(Map.of(), Map.of()).locate(empty));
        assertTrue(e.getMessage().contains("scripts/native fetch"), e.getMessage());
        var missing = assertThrows(LlamaLibraryException.class,
                () -> locator(Map.of(), Map.of()).locate(tmp.resolve("nope")));
        assertTrue(missing.getMessage().contains("not a folder"), missing.getMessage());
    }

    @Test
    void shouldAcceptOnlyLibllamaNames() throws IOException {
        Path dir = fakeLibDir("names", "libllama-common.so");
        assertTrue(NativeLibraryLocator.find(dir, "llama").isEmpty(), "libllama-common is not libllama");
        Files.write(dir.resolve("libggml-base.so"), new byte[] {1});
        assertTrue(NativeLibraryLocator.find(dir, "ggml").isEmpty(), "libggml-base is not libggml");
        Files.write(dir.resolve("libggml.v0.5.0.so"), new byte[] {1});
        assertEquals("libggml.v0.5.0.so", NativeLibraryLocator.find(dir, "ggml").orElseThrow().getFileName().toString());
        Path cuda = fakeLibDir("cuda", "libllama.cuda.v0.5.0.so");
        assertTrue(NativeLibraryLocator.find(cuda, "llama").isPresent(), "GPU packages name the backend");
    }
}
