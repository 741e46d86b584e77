package io.edgenode.core.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgenode.core.engine.GenerationStats;
import io.edgenode.core.engine.SingleStreamGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SharedModelSmokeTest {
    @Test
    void shouldLoadAndGenerate() {
        Path p = Path.of(System.getProperty("edgenode.home"), "..", "shared", "models", "llama-2-tiny-random.gguf");
        assumeTrue(Files.isRegularFile(p));
        LlamaLibrary lib = LlamaLibrary.load();
        try (LlamaModel m = LlamaModel.load(lib, p, ModelParams.defaults());
                LlamaContext c = LlamaContext.create(m, ContextParams.single(256));
                SingleStreamGenerator g = new SingleStreamGenerator(c)) {
            assertEquals(32000, m.vocab().size());
            StringBuilder sb = new StringBuilder();
            GenerationStats s = g.generate("Hello world", 16, SamplingParams.greedy(), true, sb::append);
            System.out.println(m.description() + " -> [" + sb + "] " + s);
            assertEquals(16, s.generatedTokens());
            assertTrue(s.promptTokens() > 1);
        }
    }
}
