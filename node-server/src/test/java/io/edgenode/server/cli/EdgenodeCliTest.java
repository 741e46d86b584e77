package io.edgenode.server.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user runs it: exit codes, stdout, one-line errors on stderr. */
class EdgenodeCliTest {
    @TempDir
    static Path dir;

    static Path tinyQ8;

    record Run(int code, String out, String err) {}

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = EdgenodeCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void makeModel() {
        tinyQ8 = dir.resolve("tiny-q8_0.gguf");
        Run r = cli("make-model", "--preset", "tiny", "--quant", "q8_0", "--out", tinyQ8.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(tinyQ8));
        assertTrue(r.err().contains("preset tiny, q8_0, seed 42"), r.err());
    }

    @Test
    void shouldInspectASyntheticModel() {
        Run r = cli("inspect", tinyQ8.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("architecture:  llama"), r.out());
        assertTrue(r.out().contains("file type:     Q8_0"), r.out());
        assertTrue(r.out().contains("q8_0 x16"), r.out());
        assertTrue(r.out().contains("layers:        2"), r.out());
        assertTrue(r.out().contains("heads:         4 (KV heads 2)"), r.out());
        assertTrue(r.out().contains("vocabulary:    384 tokens (llama)"), r.out());
        assertTrue(r.out().contains("chat template: yes"), r.out());
        assertTrue(r.out().contains("KV cache (F16, 4096 tokens)"), r.out());
    }

    @Test
    void shouldStreamTextAndPrintFigures() {
        Run r = cli("generate", "--model", tinyQ8.toString(), "--prompt", "Hello", "-n", "12", "--ignore-eos",
                "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("generated tokens: 12 (length)"), r.err());
        assertTrue(r.err().matches("(?s).*prompt tokens: \\d+.*prefill: [0-9.]+ tok/s.*decode: [0-9.]+ tok/s.*"),
                r.err());
        assertFalse(r.out().isEmpty());
    }

    @Test
    void shouldWriteByteIdenticalModelsForTheSameSeed() throws IOException {
        Path a = dir.resolve("a-f16.gguf");
        Path b = dir.resolve("b-f16.gguf");
        Path c = dir.resolve("c-f16.gguf");
        assertEquals(0, cli("make-model", "--preset", "tiny", "--out", a.toString()).code());
        assertEquals(0, cli("make-model", "--preset", "tiny", "--out", b.toString()).code());
        assertEquals(0, cli("make-model", "--preset", "tiny", "--seed", "7", "--out", c.toString()).code());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)));
    }

    @Test
    void shouldPrintOneLineErrorsWithoutStackTraces() throws IOException {
        Run missing = cli("generate", "--model", dir.resolve("nope.gguf").toString(), "--prompt", "x");
        assertEquals(1, missing.code());
        assertEquals("edgenode: model file not found: " + dir.resolve("nope.gguf"), missing.err().strip());

        byte[] junk = new byte[4096];
        new Random(3).nextBytes(junk);
        Path bad = Files.write(dir.resolve("junk.gguf"), junk);
        Run inspect = cli("inspect", bad.toString());
        assertEquals(1, inspect.code());
        assertTrue(inspect.err().startsWith("edgenode: ") && inspect.err().contains("offset"), inspect.err());
        assertEquals(1, inspect.err().strip().lines().count(), inspect.err());

        Run preset = cli("make-model", "--preset", "huge", "--out", dir.resolve("x.gguf").toString());
        assertEquals(1, preset.code());
        assertTrue(preset.err().contains("unknown model preset 'huge'"), preset.err());

        Run quant = cli("make-model", "--preset", "tiny", "--quant", "q3_x", "--out", dir.resolve("x.gguf").toString());
        assertEquals(1, quant.code());
        assertTrue(quant.err().contains("unknown quantization 'q3_x'"), quant.err());

        Run verbose = cli("--verbose", "inspect", bad.toString());
        assertEquals(1, verbose.code());
        assertTrue(verbose.err().contains("GgufFormatException"), "stack trace with --verbose");
    }

    @Test
    void shouldOfferTheSharedOptionsOnEveryCommandThatTakesThem() {
        for (String command : new String[] {"serve", "generate", "make-model"}) {
            Run help = cli("help", command);
            assertEquals(0, help.code(), help.err());
            assertTrue(help.out().contains("--llama-lib=DIR"), command + ": " + help.out());
        }
        for (String command : new String[] {"serve", "pull"}) {
            assertTrue(cli("help", command).out().contains("--config=FILE"), command);
        }
        assertFalse(cli("help", "inspect").out().contains("--llama-lib"), "inspect is pure Java");
    }

    @Test
    void shouldRejectUsageErrors() {
        Run r = cli("generate", "--prompt", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Missing required option: '--model"), r.err());
    }
}
