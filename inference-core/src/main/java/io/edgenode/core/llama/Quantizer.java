package io.edgenode.core.llama;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/**
 * Quantizes a GGUF with llama.cpp's own {@code llama_model_quantize} (the reference quantizers,
 * never our own). Writes to a temporary file beside the output and renames it into place, so an
 * interrupted run never leaves a half-written model under the final name. Thread-safe: each call
 * is independent.
 */
public final class Quantizer {
    private static final long NTHREAD = LlamaStructs.offset(LlamaStructs.QUANTIZE_PARAMS, "nthread");
    private static final long FTYPE = LlamaStructs.offset(LlamaStructs.QUANTIZE_PARAMS, "ftype");

    private final LlamaLibrary library;

    public Quantizer(LlamaLibrary library) {
        this.library = Objects.requireNonNull(library, "library");
    }

    /** @param threads quantization threads; 0 uses all cores */
    public void quantize(Path input, Path output, QuantType type, int threads) {
        Objects.requireNonNull(type, "type");
        if (!Files.isRegularFile(input)) {
            throw new ModelLoadException("quantization input is not a file: " + input);
        }
        Path dir = output.toAbsolutePath().getParent();
        Path tmp = dir.resolve(output.getFileName() + ".quantizing");
        try (Arena arena = Arena.ofConfined()) {
            Files.createDirectories(dir);
            MemorySegment params = (MemorySegment) LlamaNative.llama_model_quantize_default_params.invokeExact(
                    (java.lang.foreign.SegmentAllocator) arena);
            params.set(JAVA_INT, NTHREAD, threads);
            params.set(JAVA_INT, FTYPE, type.ftype);
            LlamaLog.takeLastError();
            int rc = (int) LlamaNative.llama_model_quantize.invokeExact(
                    arena.allocateFrom(input.toString()), arena.allocateFrom(tmp.toString()), params);
            if (rc != 0) {
                String why = LlamaLog.takeLastError();
                throw new ModelLoadException("llama_model_quantize " + input + " -> " + type.cliName() + " failed ("
                        + rc + ")" + (why.isEmpty() ? "" : ": " + why));
            }
            Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + output, e);
        } catch (Throwable t) {
            throw LlamaNative.rethrow(t);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: a leftover .quantizing file is harmless and overwritten next time
            }
        }
    }

    public LlamaLibrary library() {
        return library;
    }
}
