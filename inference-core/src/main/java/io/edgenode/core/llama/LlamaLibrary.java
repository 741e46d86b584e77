package io.edgenode.core.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The loaded llama.cpp libraries. Thread-safe: {@link #load} may be called from any thread and
 * returns the one instance of the process.
 *
 * <p>Loading order matters: ggml-base, ggml, then llama (each found by its real file name; their
 * RUNPATH {@code $ORIGIN} resolves the rest), then the log callback (so backend discovery already
 * logs through Java), then {@code ggml_backend_load_all_from_path} on the same folder so the best
 * CPU variant ({@code libggml-cpu-<microarch>.so}) or a GPU backend is registered, then
 * {@code llama_backend_init}. A process has one libllama: asking for a second folder fails.
 */
public final class LlamaLibrary {
    private static final System.Logger LOG = System.getLogger(LlamaLibrary.class.getName());
    private static LlamaLibrary instance;

    private final Path directory;
    private final boolean gpuOffload;

    private LlamaLibrary(Path directory, boolean gpuOffload) {
        this.directory = directory;
        this.gpuOffload = gpuOffload;
    }

    /** Loads from the default location ({@link NativeLibraryLocator}). */
    public static LlamaLibrary load() {
        return load(null);
    }

    /**
     * Loads the libraries from {@code explicitDir} (null: the default resolution order).
     *
     * @throws LlamaLibraryException missing folder or files, unloadable library, a required symbol
     *     absent (not the pinned release), or a different folder than the one already loaded
     */
    public static synchronized LlamaLibrary load(Path explicitDir) {
        Path dir = new NativeLibraryLocator().locate(explicitDir);
        if (instance != null) {
            if (!instance.directory.equals(dir)) {
                throw new LlamaLibraryException("llama.cpp is already loaded from " + instance.directory
                        + "; one process can load only one libllama (asked for " + dir + ")");
            }
            return instance;
        }
        List<Path> files = new ArrayList<>();
        for (String stem : List.of("ggml-base", "ggml", "llama")) {
            files.add(NativeLibraryLocator.find(dir, stem).orElseThrow(() -> new LlamaLibraryException(
                    "lib" + stem + " is missing from " + dir + ": " + NativeLibraryLocator.FETCH_HINT)));
        }
        for (Path file : files) {
            try {
                System.load(file.toString());
            } catch (UnsatisfiedLinkError e) {
                throw new LlamaLibraryException("cannot load " + file + ": " + e.getMessage() + ". "
                        + NativeLibraryLocator.FETCH_HINT, e);
            }
        }
        SymbolLookup lookup = SymbolLookup.loaderLookup();
        List<String> missing = LlamaNative.REQUIRED_SYMBOLS.stream()
                .filter(name -> lookup.find(name).isEmpty())
                .toList();
        if (!missing.isEmpty()) {
            throw new LlamaLibraryException("the llama.cpp in " + dir + " is not the pinned release (llama.cpp de3ff815,"
                    + " node-llama-cpp 3.22.1): missing " + missing + ". " + NativeLibraryLocator.FETCH_HINT);
        }
        try (Arena arena = Arena.ofConfined()) {
            LlamaNative.llama_log_set.invokeExact(LlamaLog.upcallStub(), MemorySegment.NULL);
            LlamaNative.ggml_backend_load_all_from_path.invokeExact(arena.allocateFrom(dir.toString()));
            LlamaNative.llama_backend_init.invokeExact();
            boolean gpu = (boolean) LlamaNative.llama_supports_gpu_offload.invokeExact();
            instance = new LlamaLibrary(dir, gpu);
            LOG.log(System.Logger.Level.DEBUG, "llama.cpp loaded from {0}; GPU offload {1}", dir, gpu);
            return instance;
        } catch (Throwable t) {
            throw new LlamaLibraryException("llama.cpp initialisation failed: " + t, t);
        }
    }

    public Path directory() {
        return directory;
    }

    /** Whether the loaded build can offload layers to a GPU ({@code llama_supports_gpu_offload}). */
    public boolean supportsGpuOffload() {
        return gpuOffload;
    }

    /** llama.cpp's own summary of the CPU features and backends it uses. */
    public String systemInfo() {
        try {
            MemorySegment s = (MemorySegment) LlamaNative.llama_print_system_info.invokeExact();
            return s.reinterpret(Integer.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    public boolean supportsMmap() {
        try {
            return (boolean) LlamaNative.llama_supports_mmap.invokeExact();
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    public boolean supportsMlock() {
        try {
            return (boolean) LlamaNative.llama_supports_mlock.invokeExact();
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }
}
