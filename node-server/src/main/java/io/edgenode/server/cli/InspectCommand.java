package io.edgenode.server.cli;

import io.edgenode.store.ByteSizes;
import io.edgenode.store.gguf.GgmlType;
import io.edgenode.store.gguf.GgufFile;
import io.edgenode.store.gguf.GgufModelInfo;
import io.edgenode.store.gguf.MemoryEstimate;
import io.edgenode.store.gguf.TensorTypeStats;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code edgenode inspect}: the GGUF summary, read in pure Java (no llama.cpp needed). */
@Command(name = "inspect", description = "Summarise a GGUF file: shape, quantization, vocabulary, memory estimate.")
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "GGUF file.")
    Path file;

    @Option(names = {"-c", "--ctx"}, description = "Context length for the KV cache estimate (default: the model's).")
    Long contextLength;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (GgufFile gguf = GgufFile.open(file)) {
            GgufModelInfo info = GgufModelInfo.of(gguf);
            out.printf(Locale.ROOT, "file:          %s (%s)%n", file, ByteSizes.format(gguf.fileSize()));
            out.printf(Locale.ROOT, "format:        GGUF v%d, %d tensors, %d metadata keys, alignment %d%n",
                    gguf.version(), gguf.tensors().size(), gguf.metadata().size(), gguf.alignment());
            out.printf(Locale.ROOT, "architecture:  %s%s%n", info.architecture(),
                    info.name().map(n -> " (" + n + ")").orElse(""));
            out.printf(Locale.ROOT, "parameters:    %s (%,d)%n", count(info.parameterCount()), info.parameterCount());
            out.printf(Locale.ROOT, "file type:     %s%n", info.fileTypeName());
            out.printf(Locale.ROOT, "tensor types:  %s%n", typeMix(info.tensorTypes()));
            out.printf(Locale.ROOT, "context:       %d%n", info.contextLength());
            out.printf(Locale.ROOT, "layers:        %d%n", info.blockCount());
            out.printf(Locale.ROOT, "embedding:     %d (feed-forward %d)%n", info.embeddingLength(),
                    info.feedForwardLength());
            out.printf(Locale.ROOT, "heads:         %d (KV heads %d)%n", info.headCount(), info.headCountKv());
            out.printf(Locale.ROOT, "vocabulary:    %d tokens%s%n", info.vocabSize(),
                    info.tokenizerModel().map(m -> " (" + m + ")").orElse(""));
            out.printf(Locale.ROOT, "chat template: %s%n", info.chatTemplate().isPresent() ? "yes" : "no");
            if (info.hasTransformerShape()) {
                long ctx = contextLength != null ? contextLength : Math.max(1, info.contextLength());
                MemoryEstimate m = MemoryEstimate.of(info, ctx);
                out.printf(Locale.ROOT, "memory:        %s weights + %s KV cache (F16, %d tokens) = %s%n",
                        ByteSizes.format(m.weightsBytes()), ByteSizes.format(m.kvCacheBytes()), ctx, ByteSizes.format(m.totalBytes()));
            }
        }
        out.flush();
        return 0;
    }

    private static String typeMix(Map<GgmlType, TensorTypeStats> types) {
        List<String> parts = new ArrayList<>();
        types.forEach((type, s) -> parts.add(String.format(Locale.ROOT, "%s x%d (%s)",
                type.name().toLowerCase(Locale.ROOT), s.count(), ByteSizes.format(s.bytes()))));
        return String.join(", ", parts);
    }


    private static String count(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2fB", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        }
        return String.format(Locale.ROOT, "%.1fK", n / 1e3);
    }
}
