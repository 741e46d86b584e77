package io.edgenode.bench.jmh;

import io.edgenode.core.engine.TokenTextDecoder;
import io.edgenode.core.llama.Batch;
import io.edgenode.core.llama.ContextParams;
import io.edgenode.core.llama.LlamaContext;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.LlamaModel;
import io.edgenode.core.llama.ModelParams;
import io.edgenode.core.llama.SamplerChain;
import io.edgenode.core.llama.SamplingParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
 * Cost of one single-sequence decode step and of its Java side.
 *
 * <ul>
 *   <li>{@code step}: batch fill, {@code llama_decode} of one token, greedy sampling, detokenization;
 *   <li>{@code stepWithoutDecode}: the same minus {@code llama_decode} (sampling still runs over
 *       the last logits), i.e. what the Java side plus llama.cpp's sampler add to a step;
 *   <li>{@code javaGlue}: batch fill and detokenization only, the part that is ours alone.
 * </ul>
 * The ratios {@code stepWithoutDecode / step} and {@code javaGlue / step} are the figures reported.
 * Model: {@code -p model=PATH} (default models/bench-200m-q8_0.gguf under the project home).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DecodeStepBenchmark {
    private static final int PROMPT = 32;
    private static final int N_CTX = 512;

    @Param("")
    public String model;

    @Param("2")
    public int threads;

    private LlamaModel llamaModel;
    private LlamaContext context;
    private Batch batch;
    /** Filled by the variants without a decode, so {@code batch} keeps the rows that have logits. */
    private Batch scratch;
    private SamplerChain sampler;
    private TokenTextDecoder decoder;
    private int pos;
    private int token;

    @Setup(Level.Trial)
    public void setUp() {
        Path path = model.isEmpty()
                ? Path.of(System.getProperty("edgenode.home", "."), "models", "bench-200m-q8_0.gguf")
                : Path.of(model);
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException(path + " missing: scripts/edgenode make-model --preset bench-200m"
                    + " --quant q8_0 --out " + path);
        }
        LlamaLibrary library = LlamaLibrary.load();
        llamaModel = LlamaModel.load(library, path, ModelParams.defaults());
        context = LlamaContext.create(llamaModel, ContextParams.single(N_CTX).withThreads(threads));
        batch = new Batch(context.batchSize(), 1);
        scratch = new Batch(context.batchSize(), 1);
        sampler = SamplerChain.create(llamaModel.vocab(), SamplingParams.greedy());
        decoder = new TokenTextDecoder(llamaModel.vocab());
        batch.clear();
        for (int i = 0; i < PROMPT; i++) {
            batch.add(3 + (i * 7) % 200, i, 0, i == PROMPT - 1);
        }
        context.decode(batch);
        token = sampler.sample(context, PROMPT - 1);
        // One single-token step so that batch index 0 has logits (stepWithoutDecode samples from it).
        batch.clear();
        batch.add(token, PROMPT, 0, true);
        context.decode(batch);
        pos = PROMPT + 1;
        token = sampler.sample(context, 0);
    }

    /** Keeps the sequence inside the context: drop generated cells, restart after the prompt. */
    private void wrap() {
        if (pos >= N_CTX - 1) {
            context.removeSequence(0, PROMPT, -1);
            pos = PROMPT;
        }
    }

    @Benchmark
    public String step() {
        wrap();
        batch.clear();
        int idx = batch.add(token, pos++, 0, true);
        context.decode(batch);
        token = sampler.sample(context, idx);
        return decoder.append(token);
    }

    @Benchmark
    public String stepWithoutDecode() {
        scratch.clear();
        scratch.add(token, pos, 0, true);
        token = sampler.sample(context, 0);
        return decoder.append(token);
    }

    @Benchmark
    public String javaGlue() {
        scratch.clear();
        scratch.add(token, pos, 0, true);
        return decoder.append(token);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        decoder.close();
        sampler.close();
        batch.close();
        scratch.close();
        context.close();
        llamaModel.close();
    }
}
