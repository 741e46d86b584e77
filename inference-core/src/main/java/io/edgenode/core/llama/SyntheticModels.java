package io.edgenode.core.llama;

import io.edgenode.store.gguf.GgmlType;
import io.edgenode.store.synth.ModelPreset;
import io.edgenode.store.synth.SyntheticModelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Synthetic models in any type: F32/F16 straight from {@link SyntheticModelBuilder} (pure Java),
 * everything else from llama.cpp's quantizer applied to the F16 file. Used by
 * {@code edgenode make-model}, tests and benchmarks. Stateless.
 */
public final class SyntheticModels {
    private SyntheticModels() {}

    /**
     * Writes {@code preset} as {@code type} to {@code out}.
     *
     * @param library needed only for quantized types (may be null for F32/F16)
     * @param vocabFrom a GGUF whose tokenizer to take, or null for the byte vocabulary
     * @param threads quantization threads, 0 for all cores
     */
    public static void write(LlamaLibrary library, ModelPreset preset, QuantType type, long seed, Path vocabFrom,
            Path out, int threads) throws IOException {
        SyntheticModelBuilder builder = SyntheticModelBuilder.of(preset).seed(seed);
        if (vocabFrom != null) {
            builder.vocabFrom(vocabFrom);
        }
        Path target = out.toAbsolutePath();
        Files.createDirectories(target.getParent());
        if (type == QuantType.F32 || type == QuantType.F16) {
            builder.weightType(type == QuantType.F32 ? GgmlType.F32 : GgmlType.F16).write(target);
            return;
        }
        if (library == null) {
            throw new IllegalArgumentException(type.cliName() + " needs llama.cpp's quantizer: pass the library");
        }
        // Quantizers need the full F16 source: write it beside the target, quantize, drop it.
        Path f16 = target.resolveSibling(target.getFileName() + ".f16.tmp");
        try {
            builder.weightType(GgmlType.F16).write(f16);
            new Quantizer(library).quantize(f16, target, type, threads);
        } finally {
            Files.deleteIfExists(f16);
        }
    }

    /**
     * The file {@code <dir>/<preset>-<type>.gguf} with the default seed, written on first use.
     * Tests and benchmarks share models this way (generated once per build into target/).
     */
    public static synchronized Path cached(Path dir, ModelPreset preset, QuantType type) {
        Path file = dir.resolve(preset.id() + "-" + type.name().toLowerCase(Locale.ROOT) + ".gguf");
        if (Files.isRegularFile(file)) {
            return file;
        }
        try {
            boolean quantized = type != QuantType.F32 && type != QuantType.F16;
            write(quantized ? LlamaLibrary.load() : null, preset, type, SyntheticModelBuilder.DEFAULT_SEED, null,
                    file, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write synthetic model " + file, e);
        }
        return file;
    }
}
