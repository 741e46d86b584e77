package io.edgenode.core.engine;

import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.LlamaModel;
import io.edgenode.core.llama.ModelParams;
import io.edgenode.core.llama.SamplingParams;
import io.edgenode.store.gguf.GgmlType;
import io.edgenode.store.synth.ModelPreset;
import io.edgenode.store.synth.SyntheticModelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-token cost of grammar-constrained against free decoding through the whole engine: one
 * operation is a wave of {@code streams} concurrent generations of {@value #TOKENS} tokens each
 * (prefill included, the same short prompt), at temperature 1.0. The secondary {@code tokens}
 * counter is generated tokens per second; compare it across {@code mode}.
 *
 * <p>{@code mode=grammar} runs {@code root ::= [a-z ]*} (never complete early, so every stream
 * runs to its limit). On random weights the model's first choice is nearly always refused, so
 * this measures the resample path (grammar over the whole vocabulary, then the chain) on almost
 * every token: the worst case. {@code mode=open} runs {@code root ::= [^\x00]*}, which allows
 * (nearly) whatever the model picks: the fast path on (nearly) every token, which is what a trained
 * model writing valid output mostly takes, so it measures the grammar's cost when it agrees with
 * the model. {@code -p model=PATH} uses another GGUF (the real Llama 2
 * vocabulary, 32000 tokens, is where the grammar's per-vocabulary cost shows); the default is the
 * tiny synthetic model (384 tokens). Engine with 1 decode thread; run on an idle machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ConstrainedDecodeBenchmark {
    static final int TOKENS = 32;
    static final String GRAMMAR = "root ::= [a-z ]*";
    static final String OPEN_GRAMMAR = "root ::= [^\\x00]*";

    @Param({"1", "8"})
    public int streams;

    @Param({"free", "grammar", "open"})
    public String mode;

    @Param("")
    public String model;

    /**
     * {@code hot}: temperature 1.0 over the whole vocabulary (no top-k); {@code default}:
     * llama-server's defaults (top-k 40, top-p 0.95, min-p 0.05, temperature 0.8), what a request
     * that sets nothing gets, and where a resample may take the top of the row.
     */
    @Param({"hot", "default"})
    public String sampling;

    private Path file;
    private LlamaModel llamaModel;
    private Engine engine;
    private int[] prompt;
    private long seed;

    /** Generated tokens, reported by JMH as a rate beside the waves. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Tokens {
        public long tokens;

        @Setup(Level.Iteration)
        public void clear() {
            tokens = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        if (model.isEmpty()) {
            file = Files.createTempFile("constrained-bench", ".gguf");
            SyntheticModelBuilder.of(ModelPreset.TINY).weightType(GgmlType.F32).write(file);
        }
        llamaModel = LlamaModel.load(LlamaLibrary.load(), model.isEmpty() ? file : Path.of(model),
                ModelParams.defaults());
        engine = Engine.start(llamaModel, EngineConfig.defaults().withThreads(1).withParallel(8)
                .withContextSize(2048).withMaxBatchTokens(256));
        prompt = llamaModel.vocab().tokenize("Answer:", true, false);
    }

    @Benchmark
    public long wave(Tokens counter) throws Exception {
        List<GenerationHandle> handles = new ArrayList<>(streams);
        for (int i = 0; i < streams; i++) {
            GenerationRequest r = new GenerationRequest("b" + seed, prompt, TOKENS,
                    sampling.equals("default") ? SamplingParams.defaults(seed++ & 0xFFFFFFFFL)
                            : new SamplingParams(1.0f, 0, 1f, 0f, 1f, 0f, 0f, 64, seed++ & 0xFFFFFFFFL), List.of(), true,
                    "", 0,
                    GenerationListener.discarding());
            handles.add(engine.submit(switch (mode) {
                case "grammar" -> r.withConstraint(Constraint.of(GRAMMAR));
                case "open" -> r.withConstraint(Constraint.of(OPEN_GRAMMAR));
                default -> r;
            }));
        }
        long generated = 0;
        for (GenerationHandle h : handles) {
            GenerationResult result = h.completion().get(60, TimeUnit.SECONDS);
            if (result.finishReason() != FinishReason.LENGTH) {
                throw new IllegalStateException("stream ended early: " + result);
            }
            generated += result.usage().completionTokens();
        }
        counter.tokens += generated;
        return generated;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        engine.close();
        llamaModel.close();
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }
}
