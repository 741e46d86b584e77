package io.edgenode.store.gguf;

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
 * Cost of reading a GGUF file's header the way a model load does (it runs before llama.cpp sees
 * the file): map it, parse metadata and tensor infos ({@link GgufFile#open}), derive the model
 * facts ({@link GgufModelInfo#of}), unmap. The tokenizer arrays dominate, so {@code vocab} sets the
 * vocabulary size of a synthetic tiny-shaped model (384: the tiny preset; 32000: Llama 2's size).
 * {@code -p model=PATH} parses an existing file instead.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GgufParseBenchmark {
    @Param({"384", "32000"})
    public int vocab;

    @Param("")
    public String model;

    private Path file;
    private boolean temporary;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        if (!model.isEmpty()) {
            file = Path.of(model);
            return;
        }
        file = Files.createTempFile("gguf-parse-bench", ".gguf");
        temporary = true;
        new SyntheticModelBuilder(ModelPreset.TINY.shape().withVocabSize(vocab)).weightType(GgmlType.F16).write(file);
    }

    @Benchmark
    public GgufModelInfo openAndParse() throws IOException {
        try (GgufFile f = GgufFile.open(file)) {
            return GgufModelInfo.of(f);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (temporary) {
            Files.deleteIfExists(file);
        }
    }
}
