package io.edgenode.server.cli;

import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.QuantType;
import io.edgenode.core.llama.SyntheticModels;
import io.edgenode.store.synth.ModelPreset;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code edgenode make-model}: a synthetic llama-architecture GGUF from a preset. F32 and F16 are
 * written by our {@code SyntheticModelBuilder}; every other type is llama.cpp's own
 * {@code llama_model_quantize} applied to the F16 file (never a hand-written quantizer).
 */
@Command(name = "make-model", description = "Write a synthetic GGUF model (seeded random weights) from a preset.")
final class MakeModelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--preset", required = true, description = "tiny, bench-200m or bench-1b.")
    String preset;

    @Option(names = "--quant", defaultValue = "f16",
            description = "f32, f16, q8_0, q4_0, q4_k_m, q5_k_m, q6_k, ... (default ${DEFAULT-VALUE}).")
    String quant;

    @Option(names = {"-o", "--out"}, required = true, description = "Output GGUF file.")
    Path out;

    @Option(names = "--seed", defaultValue = "42", description = "Weight seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--vocab-from", description = "Take the tokenizer (and chat template) from this GGUF.")
    Path vocabFrom;

    @Option(names = {"-t", "--threads"}, defaultValue = "0", description = "Quantization threads; 0 all cores.")
    int threads;

    /** Needed for quantized types only. */
    @Mixin
    LlamaLibOption llamaLib;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        ModelPreset p = ModelPreset.fromName(preset);
        QuantType type = QuantType.parse(quant);
        Path target = out.toAbsolutePath();
        long t0 = System.nanoTime();
        // Only quantized types need llama.cpp; F32/F16 are pure Java.
        LlamaLibrary library = type == QuantType.F32 || type == QuantType.F16 ? null : llamaLib.load();
        SyntheticModels.write(library, p, type, seed, vocabFrom, target, threads);
        err.printf(Locale.ROOT, "wrote %s: preset %s, %s, seed %d, %s in %.1f s%n", out, p.id(), type.cliName(), seed,
                io.edgenode.store.ByteSizes.format(Files.size(target)), (System.nanoTime() - t0) / 1e9);
        err.flush();
        return 0;
    }
}
