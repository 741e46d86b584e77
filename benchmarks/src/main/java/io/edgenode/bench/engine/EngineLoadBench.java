package io.edgenode.bench.engine;

import io.edgenode.bench.common.ForeignCpu;

import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.LlamaModel;
import io.edgenode.core.llama.ModelParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Load harness for the continuous-batching engine: aggregate decode throughput against the
 * number of streams, time to first token under a burst and while long generations run, and a
 * tuning sweep of {@code maxBatchTokens} x {@code parallel}. Uses only the engine's public API.
 * Runs on the main thread; the engine owns its own decode thread.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Dedgenode.home=$PWD -cp benchmarks/target/benchmarks.jar \
 *     io.edgenode.bench.engine.EngineLoadBench sweep|burst|short-while-long|sweep-config [--name value ...]
 * </pre>
 * Common options: {@code --model PATH} (default models/bench-200m-q8_0.gguf), {@code --threads 2},
 * {@code --runs 3}, {@code --out DIR} (default target/engine-bench), {@code --parallel},
 * {@code --context}, {@code --max-batch-tokens}, {@code --poll} (engine defaults otherwise).
 * Each mode's own options are listed in {@link Scenarios}.
 */
public final class EngineLoadBench {
    private EngineLoadBench() {}

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: EngineLoadBench sweep|burst|short-while-long|sweep-config [--name value ...]");
            System.exit(2);
        }
        String mode = args[0];
        Options options = new Options(args, 1);
        Path model = options.model();
        if (!Files.isRegularFile(model)) {
            System.err.println(model + " missing: scripts/edgenode make-model --preset bench-200m --quant q8_0 --out " + model);
            System.exit(2);
        }
        Path out = Path.of(options.string("out", Path.of(System.getProperty("edgenode.home", "."), "target",
                "engine-bench").toString()));
        LlamaLibrary library = LlamaLibrary.load();
        Report report = new Report(mode);
        report.fact("date", LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
        report.fact("model", model.getFileName());
        report.fact("command", "EngineLoadBench " + String.join(" ", args));
        report.fact("java", Runtime.version());
        report.fact("commit", System.getProperty("edgenode.commit", "unknown"));
        try (LlamaModel llama = LlamaModel.load(library, model, ModelParams.defaults())) {
            Scenarios scenarios = new Scenarios(llama, options, report);
            ForeignCpu cpu0 = ForeignCpu.now();
            switch (mode) {
                case "sweep" -> scenarios.sweep();
                case "burst" -> scenarios.burst();
                case "short-while-long" -> scenarios.shortWhileLong();
                case "sweep-config" -> scenarios.sweepConfig();
                default -> {
                    System.err.println("unknown mode " + mode);
                    System.exit(2);
                }
            }
            report.fact("other processes, whole run (cores, average)",
                    String.format(Locale.ROOT, "%.2f", ForeignCpu.now().coresSince(cpu0)));
        } catch (EngineBugException e) {
            System.err.println("ENGINE BUG: " + e.getMessage());
            System.exit(3);
        }
        report.write(out);
        System.out.println(report.markdown());
        System.out.println("written: " + out.resolve(mode + ".md") + ", " + out.resolve(mode + ".json"));
    }
}
