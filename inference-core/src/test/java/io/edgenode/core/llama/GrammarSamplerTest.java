package io.edgenode.core.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** llama.cpp's grammar sampler through the binding: nothing a client sends may crash the JVM. */
@Timeout(60)
class GrammarSamplerTest {
    private static LlamaModel model;
    private static Vocab vocab;

    @BeforeAll
    static void load() {
        model = LlamaModel.load(LlamaLibrary.load(), TestModels.tiny(QuantType.F32), ModelParams.defaults());
        vocab = model.vocab();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Byte vocabulary: ids 3..258 are the bytes 0x00..0xFF. */
    private static int byteToken(char c) {
        return 3 + c;
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "root ::= \"a",                    // unterminated literal
        "root ::= [a-",                    // unterminated class
        "root = \"a\"",                    // no ::=
        "root ::= undefined-rule",         // undefined rule
        "root ::= (\"a\"",                 // unbalanced group
        "root ::= root \"a\"",             // left recursion
        "other ::= \"a\"",                 // no root rule
        "root ::= \"a\"{99999999}",        // repetition past llama.cpp's limit
        "root ::= \"\\q\"",                // unknown escape
        "root ::= *",                      // repetition of nothing
        "root ::= \"\\xZZ\"",              // bad hex escape
    })
    void shouldRefuseBadGrammarsWithAnExceptionNotACrash(String grammar) {
        GrammarException e = assertThrows(GrammarException.class, () -> GrammarSampler.validate(vocab, grammar, "root"));
        assertTrue(e.getMessage().startsWith("invalid grammar") || e.getMessage().contains("limit"), e.getMessage());
    }

    @Test
    void shouldNameLlamaCppsReasonForAMissingRoot() {
        GrammarException e = assertThrows(GrammarException.class,
                () -> GrammarSampler.validate(vocab, "start ::= \"a\"", "root"));
        assertTrue(e.getMessage().contains("'root'"), e.getMessage());
    }

    @Test
    void shouldRefuseWhatMustNotReachTheCParser() {
        assertThrows(GrammarException.class, () -> GrammarSampler.validate(vocab, "root ::= \"a\"\0junk", "root"));
        assertThrows(GrammarException.class, () -> GrammarSampler.validate(vocab, "root ::= \"a\"", ""));
        String deep = "root ::= " + "(".repeat(GrammarSampler.MAX_NESTING + 1) + "\"a\""
                + ")".repeat(GrammarSampler.MAX_NESTING + 1);
        assertThrows(GrammarException.class, () -> GrammarSampler.validate(vocab, deep, "root"));
        String huge = "root ::= \"" + "a".repeat(GrammarSampler.MAX_GRAMMAR_CHARS) + "\"";
        assertThrows(GrammarException.class, () -> GrammarSampler.validate(vocab, huge, "root"));
    }

    /** llama.cpp would loop generating rules until memory runs out ({@code n - m} wraps). */
    @ParameterizedTest
    @ValueSource(strings = {"root ::= \"a\"{2,1}", "root ::= [a-z]{ 10 , 3 }", "root ::= (\"a\"){5,# c\n4}"})
    void shouldRefuseARepetitionWhoseMaximumIsBelowItsMinimum(String grammar) {
        GrammarException e = assertThrows(GrammarException.class, () -> GrammarSampler.validate(vocab, grammar, "root"));
        assertTrue(e.getMessage().contains("maximum below its minimum"), e.getMessage());
    }

    @Test
    void shouldKeepValidRepetitions() {
        GrammarSampler.validate(vocab, "root ::= \"a\"{2,2} \"b\"{0,} \"c\"{3} \"{2,1}\" [{]", "root");
    }

    @Test
    void shouldCountNestingOutsideLiteralsAndClasses() {
        GrammarSampler.validate(vocab, "root ::= \"((((\" [(] # ((((\n", "root");
    }

    /** Grammars at the limits parse on a thread with a small native stack (the parser recurses). */
    @Test
    void shouldParseGrammarsAtTheLimitsOnASmallStack() throws Exception {
        String deep = "root ::= " + "(".repeat(GrammarSampler.MAX_NESTING) + "\"a\""
                + ")".repeat(GrammarSampler.MAX_NESTING);
        // the longest left-most reference chain that fits the size limit (left-recursion check recurses per rule)
        StringBuilder chain = new StringBuilder("root ::= r0\n");
        int i = 0;
        while (chain.length() < GrammarSampler.MAX_GRAMMAR_CHARS - 40) {
            chain.append('r').append(i).append(" ::= r").append(i + 1).append('\n');
            i++;
        }
        chain.append('r').append(i).append(" ::= \"a\"\n");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                GrammarSampler.validate(vocab, deep, "root");
                GrammarSampler.validate(vocab, chain.toString(), "root");
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "small-stack", 512 * 1024);
        t.start();
        t.join();
        assertNull(failure.get());
    }

    /**
     * Several nullable repetitions in a row multiply llama.cpp's parse stacks with each character
     * of a piece: on the 32000-token Llama 2 vocabulary one step of this grammar runs for minutes
     * in native code. validate() probes short pieces first and refuses it within about a second.
     */
    @Test
    @Timeout(60)
    void shouldRefuseAGrammarWhoseStepCostExplodesWithoutRunningAFullStep() {
        var shared = TestModels.sharedTinyRandom();
        org.junit.jupiter.api.Assumptions.assumeTrue(shared.isPresent(), "needs ../shared/models/llama-2-tiny-random.gguf");
        try (LlamaModel real = LlamaModel.load(LlamaLibrary.load(), shared.get(), ModelParams.defaults())) {
            long t0 = System.nanoTime();
            GrammarException e = assertThrows(GrammarException.class, () -> GrammarSampler.validate(real.vocab(),
                    "root ::= ([a-z]* [a-z]* [a-z]* [a-z]*)+", "root"));
            assertTrue(e.getMessage().contains("too expensive"), e.getMessage());
            assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "refused in time");
            GrammarSampler.validate(real.vocab(), "root ::= [a-z]*", "root"); // a plain repetition is fine
            try (GrammarSampler g = GrammarSampler.create(real.vocab(), "root ::= \"{\" [0-9]+ \"}\"", "root")) {
                long nanos = g.probeStepCost();
                System.out.println("one full step of a small grammar on Llama 2's vocabulary: " + nanos / 1000 + " us");
            }
        }
    }

    @Test
    void shouldAllowOnlyWhatTheGrammarAllowsAndEndOfGenerationOnlyWhenComplete() {
        try (GrammarSampler g = GrammarSampler.create(vocab, "root ::= \"ab\"", "root")) {
            assertTrue(g.allows(byteToken('a')));
            assertFalse(g.allows(byteToken('b')));
            assertFalse(g.allows(vocab.eos()), "end of generation before the grammar is complete");
            assertFalse(g.isComplete());
            g.accept(byteToken('a'));
            assertFalse(g.allows(byteToken('a')));
            g.accept(byteToken('b'));
            assertTrue(g.isComplete());
            assertTrue(g.allows(vocab.eos()));
            assertFalse(g.allows(byteToken('a')));
        }
    }

    /** llama.cpp would throw (empty stack) or abort (EOG): the binding refuses in Java instead. */
    @Test
    void shouldRefuseToAcceptATokenTheGrammarDoesNotAllow() {
        try (GrammarSampler g = GrammarSampler.create(vocab, "root ::= \"ab\"", "root")) {
            assertThrows(IllegalStateException.class, () -> g.accept(byteToken('x')));
            assertThrows(IllegalStateException.class, () -> g.accept(vocab.eos()));
            assertTrue(g.allows(byteToken('x')) == false);
            // the refused token left the grammar as it was
            g.accept(byteToken('a'));
            g.accept(byteToken('b'));
            assertThrows(IllegalStateException.class, () -> g.accept(byteToken('b')));
            g.accept(vocab.eos()); // complete: accepted, llama.cpp returns without change
            assertThrows(IllegalArgumentException.class, () -> g.allows(vocab.size()));
        }
    }

    @Test
    void shouldMaskARowToTheAllowedTokens() {
        try (GrammarSampler g = GrammarSampler.create(vocab, "root ::= [0-9]+", "root");
                TokenDataArray a = new TokenDataArray(vocab.size());
                java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            var logits = arena.allocate((long) Float.BYTES * vocab.size());
            a.fill(logits);
            g.apply(a);
            int allowed = 0;
            for (int i = 0; i < a.size(); i++) {
                if (a.logitAt(i) != Float.NEGATIVE_INFINITY) {
                    allowed++;
                    String piece = new String(vocab.pieceBytes(a.tokenAt(i), false));
                    assertTrue(piece.matches("[0-9]+"), piece);
                }
            }
            assertTrue(allowed >= 10, "the ten digit bytes at least: " + allowed);
        }
    }

    @Test
    void shouldFailCleanlyAfterClose() {
        GrammarSampler g = GrammarSampler.create(vocab, "root ::= \"a\"", "root");
        g.close();
        g.close();
        assertThrows(IllegalStateException.class, () -> g.allows(byteToken('a')));
        assertEquals(3 + 'a', byteToken('a'));
    }
}
