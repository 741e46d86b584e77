package io.edgenode.core.llama;

import io.edgenode.store.gguf.GgufFile;
import io.edgenode.store.gguf.GgufFormatException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A loaded llama.cpp model (weights and vocabulary). Thread-safe for reads: llama.cpp does not
 * mutate a model after loading, so several contexts on several threads may share it. Closing it
 * while a context still uses it is the owner's bug; {@link LlamaContext} keeps no reference count.
 */
public final class LlamaModel implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LlamaModel.class.getName());

    private final Path path;
    private final ModelParams params;
    private final Vocab vocab;
    private MemorySegment handle;

    private LlamaModel(Path path, ModelParams params, MemorySegment handle) {
        this.path = path;
        this.params = params;
        this.handle = handle;
        try {
            this.vocab = new Vocab(this, (MemorySegment) LlamaNative.llama_model_get_vocab.invokeExact(handle));
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /**
     * Loads {@code path}. Checks the file first so that the common mistakes (missing file, a
     * folder) are clear errors without a trip through llama.cpp.
     *
     * @throws ModelLoadException the file is missing, unreadable, or llama.cpp rejects it (its
     *     logged reason is included)
     */
    public static LlamaModel load(LlamaLibrary library, Path path, ModelParams params) {
        Objects.requireNonNull(library, "library");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(params, "params");
        if (!Files.exists(path)) {
            throw new ModelLoadException("model file not found: " + path);
        }
        if (!Files.isRegularFile(path)) {
            throw new ModelLoadException("model path is not a regular file: " + path);
        }
        if (!Files.isReadable(path)) {
            throw new ModelLoadException("model file is not readable: " + path);
        }
        validateGguf(path);
        if (params.gpuLayers() != 0 && !library.supportsGpuOffload()) {
            LOG.log(System.Logger.Level.WARNING, "--gpu-layers {0} requested, but the llama.cpp in {1} has no GPU"
                    + " support: running on the CPU", params.gpuLayers(), library.directory());
        }
        try (Arena arena = Arena.ofConfined()) {
            LlamaLog.takeLastError();
            MemorySegment h = (MemorySegment) LlamaNative.llama_model_load_from_file.invokeExact(
                    arena.allocateFrom(path.toString()), params.toNative(arena));
            if (h.equals(MemorySegment.NULL)) {
                String why = LlamaLog.takeLastError();
                throw new ModelLoadException("llama.cpp could not load " + path
                        + (why.isEmpty() ? "" : ": " + why));
            }
            return new LlamaModel(path, params, h);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /**
     * Parses the GGUF structure in Java before llama.cpp sees the file: a corrupt or hostile file
     * (a lying array length, a tensor past the end) is refused with the offset and the reason,
     * and llama.cpp's C++ parser never gets the chance to over-allocate or abort on it.
     */
    private static void validateGguf(Path path) {
        try (GgufFile ignored = GgufFile.open(path)) {
            // parsing is the check
        } catch (GgufFormatException e) {
            throw new ModelLoadException("not a valid GGUF model: " + e.getMessage());
        } catch (IOException e) {
            throw new ModelLoadException("cannot read model file " + path + ": " + e);
        }
    }

    MemorySegment handle() {
        if (handle == null) {
            throw new IllegalStateException("model " + path + " is closed");
        }
        return handle;
    }

    public Path path() {
        return path;
    }

    public ModelParams params() {
        return params;
    }

    public Vocab vocab() {
        handle();
        return vocab;
    }

    public int contextLengthTrain() {
        try {
            return (int) LlamaNative.llama_model_n_ctx_train.invokeExact(handle());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    public int embeddingLength() {
        try {
            return (int) LlamaNative.llama_model_n_embd.invokeExact(handle());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /**
     * Length of the vectors an embeddings context returns ({@code n_embd_out}): the hidden size,
     * unless the model projects its output to another width.
     */
    public int embeddingOutputLength() {
        try {
            return (int) LlamaNative.llama_model_n_embd_out.invokeExact(handle());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    public int layerCount() {
        try {
            return (int) LlamaNative.llama_model_n_layer.invokeExact(handle());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    public int headCount() {
        try {
            return (int) LlamaNative.llama_model_n_head.invokeExact(handle());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    public int headCountKv() {
        try {
            return (int) LlamaNative.llama_model_n_head_kv.invokeExact(handle());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    public long parameterCount() {
        try {
            return (long) LlamaNative.llama_model_n_params.invokeExact(handle());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** Bytes of all tensors, as llama.cpp counts them. */
    public long sizeBytes() {
        try {
            return (long) LlamaNative.llama_model_size.invokeExact(handle());
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** llama.cpp's one-line description, e.g. "llama 1B Q8_0". */
    public String description() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            int n = (int) LlamaNative.llama_model_desc.invokeExact(handle(), buf, buf.byteSize());
            return n < 0 ? "" : buf.getString(0);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** The default chat template ({@code tokenizer.chat_template}), if the model has one. */
    public Optional<String> chatTemplate() {
        try {
            MemorySegment s = (MemorySegment) LlamaNative.llama_model_chat_template.invokeExact(
                    handle(), MemorySegment.NULL);
            return s.equals(MemorySegment.NULL)
                    ? Optional.empty()
                    : Optional.of(s.reinterpret(Integer.MAX_VALUE).getString(0));
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** A metadata value rendered as a string by llama.cpp (arrays are summarised), if present. */
    public Optional<String> metadata(String key) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocateFrom(key);
            int n = (int) LlamaNative.llama_model_meta_val_str.invokeExact(handle(), k, MemorySegment.NULL, 0L);
            if (n < 0) {
                return Optional.empty();
            }
            MemorySegment buf = arena.allocate(n + 1L);
            n = (int) LlamaNative.llama_model_meta_val_str.invokeExact(handle(), k, buf, buf.byteSize());
            return Optional.of(buf.getString(0));
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    /** Frees the weights. A second close is harmless; any later use throws {@link IllegalStateException}. */
    @Override
    public void close() {
        MemorySegment h = handle;
        if (h == null) {
            return;
        }
        handle = null;
        try {
            LlamaNative.llama_model_free.invokeExact(h);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        }
    }

    @Override
    public String toString() {
        return "LlamaModel[" + path + (handle == null ? ", closed]" : "]");
    }
}
