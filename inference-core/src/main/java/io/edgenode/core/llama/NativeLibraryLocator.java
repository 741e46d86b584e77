package io.edgenode.core.llama;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Finds the folder that holds libllama and its ggml libraries, in the documented order:
 * an explicit folder ({@code --llama-lib}), then {@code EDGENODE_LLAMA_LIB}, then
 * {@code native/build/<os>-<arch>/} under the project home ({@code -Dedgenode.home}, else the
 * working directory and its parents).
 */
public final class NativeLibraryLocator {
    static final String FETCH_HINT = "run `scripts/native fetch` (or point --llama-lib / EDGENODE_LLAMA_LIB at a folder"
            + " with libllama built from llama.cpp de3ff815, e.g. `scripts/native build`)";

    private final Function<String, String> env;
    private final Function<String, String> sysProps;

    public NativeLibraryLocator() {
        this(System::getenv, System::getProperty);
    }

    NativeLibraryLocator(Function<String, String> env, Function<String, String> sysProps) {
        this.env = env;
        this.sysProps = sysProps;
    }

    /** The platform folder name used by {@code scripts/native}: linux-x64, linux-arm64, mac-arm64. */
    public static String platform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String o = os.contains("mac") || os.contains("darwin") ? "mac" : os.contains("win") ? "win" : "linux";
        String a = switch (arch) {
            case "amd64", "x86_64" -> "x64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
        return o + "-" + a;
    }

    /** Resolves the library folder; {@code explicitDir} (may be null) wins over everything else. */
    public Path locate(Path explicitDir) {
        if (explicitDir != null) {
            return requireLibraryDir(explicitDir, "--llama-lib");
        }
        String fromEnv = env.apply("EDGENODE_LLAMA_LIB");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return requireLibraryDir(Path.of(fromEnv), "EDGENODE_LLAMA_LIB");
        }
        Path relative = Path.of("native", "build", platform());
        String home = sysProps.apply("edgenode.home");
        if (home != null && !home.isBlank()) {
            Path candidate = Path.of(home).resolve(relative);
            if (hasLibllama(candidate)) {
                return candidate.toAbsolutePath();
            }
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (hasLibllama(candidate)) {
                return candidate;
            }
        }
        throw new LlamaLibraryException("llama.cpp libraries not found (looked in --llama-lib, EDGENODE_LLAMA_LIB, "
                + relative + " under the project home and the working directory): " + FETCH_HINT);
    }

    private static Path requireLibraryDir(Path dir, String source) {
        if (!Files.isDirectory(dir)) {
            throw new LlamaLibraryException(source + " points at " + dir + ", which is not a folder: " + FETCH_HINT);
        }
        if (!hasLibllama(dir)) {
            throw new LlamaLibraryException(source + " folder " + dir + " has no libllama shared library: " + FETCH_HINT);
        }
        return dir.toAbsolutePath();
    }

    static boolean hasLibllama(Path dir) {
        return find(dir, "llama").isPresent();
    }

    /**
     * Finds {@code lib<stem>.so}, {@code lib<stem>[.<backend>].v<version>.so} (the npm packages'
     * naming, e.g. {@code libllama.cuda.v0.5.0.so}) or the
     * macOS {@code .dylib} equivalents in {@code dir}.
     */
    static Optional<Path> find(Path dir, String stem) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        String plain = "lib" + stem;
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> {
                        String n = p.getFileName().toString();
                        if (!n.startsWith(plain)) {
                            return false;
                        }
                        String rest = n.substring(plain.length());
                        return rest.equals(".so") || rest.equals(".dylib")
                                // npm packages: libllama.v0.5.0.so, GPU ones libllama.cuda.v0.5.0.so
                                || rest.matches("\\.(?:[a-z0-9-]+\\.)?v[0-9.]+\\.(so|dylib)")
                                || rest.matches("\\.so\\.[0-9.]+");
                    })
                    .sorted()
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
