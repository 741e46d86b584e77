package io.edgenode.core.engine;

import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.LlamaModel;
import io.edgenode.core.llama.ModelParams;
import io.edgenode.store.gguf.GgmlType;
import io.edgenode.store.synth.ModelPreset;
import io.edgenode.store.synth.SyntheticModelBuilder;
import java.io.IOException;
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
 * Cost of incremental detokenization per generated token ({@link TokenTextDecoder#append}:
 * {@code llama_token_to_piece} into a reused native buffer, UTF-8 completion check, one String),
 * on the engine thread for every token of every stream. The vocabulary is the synthetic byte-level
 * one (a vocab-only load of the tiny preset): {@code text=ascii} is one byte per token,
 * {@code text=mixed} holds accented letters and emoji, whose bytes arrive over several tokens and
 * are held back until the character is whole. {@code -p model=PATH} uses another file's vocabulary.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DetokenizeBenchmark {
    @Param({"ascii", "mixed"})
    public String text;

    @Param("")
    public String model;

    private Path file;
    private LlamaModel llamaModel;
    private TokenTextDecoder decoder;
    private int[] tokens;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        if (model.isEmpty()) {
            file = Files.createTempFile("detokenize-bench", ".gguf");
            SyntheticModelBuilder.of(ModelPreset.TINY).weightType(GgmlType.F16).write(file);
        }
        Path path = model.isEmpty() ? file : Path.of(model);
        llamaModel = LlamaModel.load(LlamaLibrary.load(), path, ModelParams.defaults().withVocabOnly(true));
        String sample = switch (text) {
            case "ascii" -> "The quick brown fox jumps over the lazy dog, again and again. ";
            case "mixed" -> "Caf\u00e9 cr\u00e8me \u2014 na\u00efve r\u00e9sum\u00e9 \uD83D\uDE00 \u65e5\u672c\u8a9e ok. ";
            default -> throw new IllegalArgumentException(text);
        };
        tokens = llamaModel.vocab().tokenize(sample.repeat(8), false, false);
        decoder = new TokenTextDecoder(llamaModel.vocab());
    }

    @Benchmark
    public String append() {
        int t = tokens[next];
        next = next + 1 == tokens.length ? 0 : next + 1;
        return decoder.append(t);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        decoder.close();
        llamaModel.close();
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }
}
