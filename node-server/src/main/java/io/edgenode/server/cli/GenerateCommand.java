package io.edgenode.server.cli;

import io.edgenode.core.engine.GenerationStats;
import io.edgenode.core.engine.SingleStreamGenerator;
import io.edgenode.core.llama.ContextParams;
import io.edgenode.core.llama.LlamaContext;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.LlamaModel;
import io.edgenode.core.llama.ModelParams;
import io.edgenode.core.llama.SamplingParams;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code edgenode generate}: one prompt, text streamed to stdout, figures to stderr. */
@Command(name = "generate", description = "Generate text from a prompt with a GGUF model.")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, description = "GGUF model file.")
    Path model;

    @Option(names = {"-p", "--prompt"}, required = true, description = "Prompt text (sent as is, with BOS).")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "64", description = "Tokens to generate (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temp", defaultValue = "0", description = "Temperature; 0 is greedy (default ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "Top-k when sampling (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Top-p when sampling (default ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "Min-p when sampling (default ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", description = "Repetition penalty (default ${DEFAULT-VALUE}: off).")
    float repeatPenalty;

    @Option(names = "--seed", defaultValue = "42", description = "Sampling seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-t", "--threads"}, description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--gpu-layers", defaultValue = "0", description = "Layers to offload to the GPU; -1 all (default ${DEFAULT-VALUE}).")
    int gpuLayers;

    @Option(names = {"-c", "--ctx"}, defaultValue = "0", description = "Context size; 0: prompt + max tokens, at least 512.")
    int contextSize;

    @Option(names = "--poll", defaultValue = "0",
            description = "ggml worker polling level 0..100 between steps; 0 sleeps, llama.cpp's default is 50 (default ${DEFAULT-VALUE}).")
    int poll;

    @Option(names = "--ignore-eos", description = "Keep generating past end-of-generation tokens (exact lengths for benchmarks).")
    boolean ignoreEos;

    @Mixin
    LlamaLibOption llamaLib;

    @Override
    public Integer call() {
        if (maxTokens < 0) {
            throw new IllegalArgumentException("--max-tokens must be >= 0");
        }
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (nThreads <= 0) {
            throw new IllegalArgumentException("--threads must be positive");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        LlamaLibrary library = llamaLib.load();
        SamplingParams sampling = new SamplingParams(temperature, topK, topP, minP, repeatPenalty, 0f, 0f, 64, seed);
        try (LlamaModel m = LlamaModel.load(library, model, ModelParams.defaults().withGpuLayers(gpuLayers))) {
            int[] tokens = m.vocab().tokenize(prompt, true, true);
            int nCtx = contextSize > 0 ? contextSize : Math.max(512, tokens.length + maxTokens);
            ContextParams cp = ContextParams.single(nCtx).withThreads(nThreads).withThreadPoll(poll);
            try (LlamaContext ctx = LlamaContext.create(m, cp);
                    SingleStreamGenerator generator = new SingleStreamGenerator(ctx)) {
                generator.warmUp();
                GenerationStats s = generator.generate(tokens, maxTokens, sampling, ignoreEos, text -> {
                    out.print(text);
                    out.flush();
                });
                out.println();
                out.flush();
                err.printf(Locale.ROOT, "prompt tokens: %d%ngenerated tokens: %d (%s)%nprefill: %.1f tok/s%n"
                                + "decode: %.1f tok/s%nllama_decode alone: %.1f tok/s%ndecode step outside llama_decode: %.2f%%%nthreads: %d%n",
                        s.promptTokens(), s.generatedTokens(), s.finishReason().name().toLowerCase(Locale.ROOT),
                        s.prefillTokensPerSecond(), s.decodeTokensPerSecond(), s.decodeCallTokensPerSecond(),
                        100 * s.outsideDecodeFraction(),
                        nThreads);
                err.flush();
            }
        }
        return 0;
    }
}
