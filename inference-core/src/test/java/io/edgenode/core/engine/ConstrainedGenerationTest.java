package io.edgenode.core.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.llama.GrammarException;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.LlamaModel;
import io.edgenode.core.llama.ModelParams;
import io.edgenode.core.llama.QuantType;
import io.edgenode.core.llama.SamplingParams;
import io.edgenode.core.llama.TestModels;
import io.edgenode.core.llama.Vocab;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Grammar constraints, lazy triggers, logit bias and logprobs through the engine on real llama.cpp:
 * the tiny synthetic model (byte vocabulary) always, and the real Llama 2 vocabulary with random
 * weights ({@code ../shared/models/llama-2-tiny-random.gguf}) when present. Random weights at
 * temperature 1.0 make the model propose tokens the grammar refuses nearly every step: the
 * resampling path is what these runs exercise.
 */
@Timeout(300)
class ConstrainedGenerationTest {
    static final String JSON_GRAMMAR = "root ::= \"{\" \"\\\"a\\\"\" \":\" [0-9]{1,3} \"}\"";
    static final Pattern JSON = Pattern.compile("\\{\"a\":[0-9]{1,3}\\}");
    static final String LIST_GRAMMAR = "root ::= item (\",\" item){0,3}\nitem ::= \"yes\" | \"no\" | \"maybe\"";
    static final Pattern LIST = Pattern.compile("(yes|no|maybe)(,(yes|no|maybe)){0,3}");

    static Stream<String> models() {
        Optional<Path> shared = TestModels.sharedTinyRandom();
        return shared.isPresent() ? Stream.of("synthetic", "llama2") : Stream.of("synthetic");
    }

    private static LlamaModel load(String which) {
        Path p = which.equals("llama2")
                ? TestModels.sharedTinyRandom().orElseThrow()
                : TestModels.tiny(QuantType.F32);
        return LlamaModel.load(LlamaLibrary.load(), p, ModelParams.defaults());
    }

    private static Engine engine(LlamaModel model) {
        return Engine.start(model, EngineConfig.defaults().withThreads(1).withContextSize(4096).withParallel(8)
                .withMaxBatchTokens(128));
    }

    static SamplingParams hot(long seed) {
        return new SamplingParams(1.0f, 0, 1f, 0f, 1f, 0f, 0f, 64, seed);
    }

    private static int[] prompt(Vocab vocab) {
        return vocab.tokenize("Answer:", true, false);
    }

    /** Collects text, tokens and the event order of one generation. */
    static final class Recorder implements GenerationListener {
        final StringBuilder text = new StringBuilder();
        final List<Integer> tokens = new ArrayList<>();
        final List<TokenLogprobs> logprobs = new ArrayList<>();
        final List<String> events = new ArrayList<>();

        @Override
        public void onText(String delta) {
            text.append(delta);
        }

        @Override
        public void onToken(int token) {
            tokens.add(token);
            events.add("token");
        }

        @Override
        public void onLogprobs(TokenLogprobs lp) {
            logprobs.add(lp);
            events.add("logprobs");
        }

        @Override
        public void onComplete(GenerationResult result) {}
    }

    private static GenerationRequest request(String id, int[] prompt, int max, SamplingParams s, Recorder r) {
        return new GenerationRequest(id, prompt, max, s, List.of(), false, "", 0, r);
    }

    private static GenerationResult await(GenerationHandle h) throws Exception {
        return h.completion().get(120, TimeUnit.SECONDS);
    }

    /** Runs {@code n} generations, 16 in flight at a time; returns results and recorders in order. */
    private static List<Object[]> runMany(Engine engine, int n, java.util.function.IntFunction<GenerationRequest> make,
            List<Recorder> recorders) throws Exception {
        List<Object[]> out = new ArrayList<>();
        for (int from = 0; from < n; from += 16) {
            List<GenerationHandle> handles = new ArrayList<>();
            for (int i = from; i < Math.min(n, from + 16); i++) {
                handles.add(engine.submit(make.apply(i)));
            }
            for (GenerationHandle h : handles) {
                out.add(new Object[] {await(h)});
            }
        }
        assertEquals(n, recorders.size());
        return out;
    }

    private void assertManyFollow(String which, String grammar, Pattern pattern, int n, boolean ignoreEos)
            throws Exception {
        try (LlamaModel model = load(which); Engine engine = engine(model)) {
            int[] prompt = prompt(model.vocab());
            List<Recorder> recorders = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                recorders.add(new Recorder());
            }
            List<Object[]> results = runMany(engine, n, i -> request("g" + i, prompt, 64, hot(1000 + i),
                    recorders.get(i)).withIgnoreEos(ignoreEos).withConstraint(Constraint.of(grammar)), recorders);
            for (int i = 0; i < n; i++) {
                GenerationResult r = (GenerationResult) results.get(i)[0];
                String text = recorders.get(i).text.toString();
                assertEquals(FinishReason.STOP, r.finishReason(), which + " #" + i + ": " + text);
                assertNull(r.error());
                assertTrue(pattern.matcher(text).matches(), which + " #" + i + " does not follow the grammar: " + text);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void shouldAlwaysFollowAJsonLikeGrammarAtTemperatureOne(String which) throws Exception {
        assertManyFollow(which, JSON_GRAMMAR, JSON, 200, false);
    }

    @ParameterizedTest
    @MethodSource("models")
    void shouldAlwaysFollowAnAlternationAndRepetitionGrammar(String which) throws Exception {
        assertManyFollow(which, LIST_GRAMMAR, LIST, 100, false);
    }

    /** A complete grammar that allows only end-of-generation ends the sequence even with ignore_eos. */
    @ParameterizedTest
    @MethodSource("models")
    void shouldEndWhenTheGrammarIsCompleteEvenWithIgnoreEos(String which) throws Exception {
        assertManyFollow(which, JSON_GRAMMAR, JSON, 32, true);
    }

    @ParameterizedTest
    @MethodSource("models")
    void shouldEndCleanlyAtAGrammarDeadEnd(String which) throws Exception {
        try (LlamaModel model = load(which); Engine engine = engine(model)) {
            int[] prompt = prompt(model.vocab());
            // llama.cpp refuses every piece that starts with a NUL byte: "\x00" is unreachable
            for (String g : List.of("root ::= \"\\x00\"", "root ::= \"a\" \"\\x00\"")) {
                Recorder rec = new Recorder();
                GenerationResult r = await(engine.submit(request("dead", prompt, 32, hot(7), rec)
                        .withIgnoreEos(true).withConstraint(Constraint.of(g))));
                assertEquals(FinishReason.STOP, r.finishReason());
                assertEquals(g.contains("\"a\"") ? "a" : "", rec.text.toString());
            }
            // the engine goes on serving
            Recorder rec = new Recorder();
            assertEquals(FinishReason.STOP, await(engine.submit(request("after", prompt, 32, hot(8), rec)
                    .withConstraint(Constraint.of(JSON_GRAMMAR)))).finishReason());
            assertTrue(JSON.matcher(rec.text).matches(), rec.text.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void shouldRefuseABadGrammarAtSubmitAndKeepServing(String which) throws Exception {
        try (LlamaModel model = load(which); Engine engine = engine(model)) {
            int[] prompt = prompt(model.vocab());
            for (String bad : List.of("root ::= \"a", "root ::= root \"x\"", "x ::= \"a\"", "root ::= ((\"a\")")) {
                assertThrows(GrammarException.class, () -> engine.submit(request("bad", prompt, 8, hot(1),
                        new Recorder()).withConstraint(Constraint.of(bad))));
            }
            assertThrows(GrammarException.class, () -> engine.submit(request("bad-root", prompt, 8, hot(1),
                    new Recorder()).withConstraint(new Constraint("root ::= \"a\"", "start", List.of()))));
            assertEquals(FinishReason.LENGTH, await(engine.submit(request("ok", prompt, 4, hot(1), new Recorder())
                    .withIgnoreEos(true))).finishReason());
        }
    }

    /**
     * Lazy: free text until a trigger word, the grammar after it; the word ends on a token boundary.
     * "e" and "ta" are frequent in both vocabularies' pieces, so tokens that complete a trigger and
     * run past it ("en", "tab") come up all the time and must be refused.
     */
    @ParameterizedTest
    @MethodSource("models")
    void shouldApplyALazyGrammarOnlyAfterItsTriggerWord(String which) throws Exception {
        List<String> triggers = List.of("e", "ta");
        try (LlamaModel model = load(which); Engine engine = engine(model)) {
            Vocab vocab = model.vocab();
            int[] prompt = prompt(vocab);
            int n = 64;
            List<Recorder> recorders = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                recorders.add(new Recorder());
            }
            List<Object[]> results = runMany(engine, n, i -> request("lazy" + i, prompt, 160, hot(500 + i),
                    recorders.get(i)).withIgnoreEos(true)
                    .withConstraint(new Constraint(JSON_GRAMMAR, "root", triggers)), recorders);
            int triggered = 0;
            for (int i = 0; i < n; i++) {
                GenerationResult r = (GenerationResult) results.get(i)[0];
                Recorder rec = recorders.get(i);
                // the generated bytes, token by token, as the trigger watch saw them
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                List<Integer> boundaries = new ArrayList<>();
                for (int t : rec.tokens) {
                    bytes.writeBytes(vocab.pieceBytes(t, false));
                    boundaries.add(bytes.size());
                }
                // bytes, not a String: random byte tokens are rarely valid UTF-8
                byte[] all = bytes.toByteArray();
                String text = bytes.toString(StandardCharsets.UTF_8);
                int end = firstTriggerEnd(all, triggers);
                if (end < 0) {
                    assertEquals(FinishReason.LENGTH, r.finishReason(), text);
                    continue;
                }
                triggered++;
                assertTrue(boundaries.contains(end), "trigger ends inside a token: " + text);
                String after = new String(all, end, all.length - end, StandardCharsets.UTF_8);
                assertTrue(JSON.matcher(after).matches() || (r.finishReason() == FinishReason.LENGTH
                        && after.length() < 12), "after the trigger: " + after + " in " + text);
                if (r.finishReason() == FinishReason.STOP) {
                    assertTrue(JSON.matcher(after).matches(), after);
                }
            }
            System.out.println(which + ": " + triggered + " of " + n + " lazy generations triggered");
            assertTrue(triggered >= n / 4, "too few triggered: " + triggered);
        }
    }

    /** Byte offset where the earliest-ending trigger word ends, or -1. */
    /**
     * Six tokens that would run past the trigger word, pushed with +100 each: the first pick and
     * four resamples are all refused, then the fallback masks every overrunning token at once.
     */
    @ParameterizedTest
    @MethodSource("models")
    void shouldFallBackToMaskingEveryOverrunningToken(String which) throws Exception {
        try (LlamaModel model = load(which); Engine engine = engine(model)) {
            Vocab vocab = model.vocab();
            java.util.Map<Integer, Float> bias = new java.util.HashMap<>();
            for (int t = 0; t < vocab.size() && bias.size() < 6; t++) {
                String piece = new String(vocab.pieceBytes(t, false), StandardCharsets.UTF_8);
                int at = piece.indexOf('e');
                if (at >= 0 && at < piece.length() - 1 && !vocab.isEndOfGeneration(t)) {
                    bias.put(t, 100f);
                }
            }
            assertEquals(6, bias.size());
            for (int i = 0; i < 8; i++) {
                Recorder rec = new Recorder();
                GenerationResult r = await(engine.submit(request("fb" + i, prompt(vocab), 24, hot(70 + i), rec)
                        .withIgnoreEos(true).withLogitBias(bias)
                        .withConstraint(new Constraint(JSON_GRAMMAR, "root", List.of("e")))));
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                List<Integer> boundaries = new ArrayList<>();
                for (int t : rec.tokens) {
                    bytes.writeBytes(vocab.pieceBytes(t, false));
                    boundaries.add(bytes.size());
                }
                byte[] all = bytes.toByteArray();
                int end = firstTriggerEnd(all, List.of("e"));
                if (end >= 0) {
                    assertTrue(boundaries.contains(end), "trigger ends inside a token");
                }
                int before = end < 0 ? rec.tokens.size() : boundaries.indexOf(end) + 1;
                assertTrue(rec.tokens.subList(0, before).stream().noneMatch(bias::containsKey),
                        "an overrunning token was taken: " + rec.tokens);
                assertTrue(r.finishReason() == FinishReason.STOP || r.finishReason() == FinishReason.LENGTH);
            }
        }
    }

    private static int firstTriggerEnd(byte[] text, List<String> triggers) {
        for (int end = 1; end <= text.length; end++) {
            for (String t : triggers) {
                byte[] w = t.getBytes(StandardCharsets.UTF_8);
                if (w.length <= end && java.util.Arrays.equals(text, end - w.length, end, w, 0, w.length)) {
                    return end;
                }
            }
        }
        return -1;
    }

    /** Submitters parse grammars on their own threads while the engine thread samples under others. */
    @ParameterizedTest
    @MethodSource("models")
    void shouldValidateGrammarsOnManyThreadsWhileTheEngineRuns(String which) throws Exception {
        try (LlamaModel model = load(which); Engine engine = engine(model)) {
            int[] prompt = prompt(model.vocab());
            List<Thread> threads = new ArrayList<>();
            java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
            java.util.concurrent.ConcurrentLinkedQueue<GenerationHandle> handles = new java.util.concurrent.ConcurrentLinkedQueue<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 6; i++) {
                            assertThrows(GrammarException.class, () -> Constraint.of("root ::= \"a").validate(model.vocab()));
                            handles.add(engine.submit(request("v" + id + "-" + i, prompt, 32, hot(id * 10 + i),
                                    new Recorder()).withConstraint(Constraint.of(LIST_GRAMMAR))));
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertTrue(failures.isEmpty(), String.valueOf(failures));
            for (GenerationHandle h : handles) {
                assertEquals(FinishReason.STOP, await(h).finishReason());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void shouldRunConstrainedAndFreeSequencesInOneBatch(String which) throws Exception {
        try (LlamaModel model = load(which); Engine engine = engine(model)) {
            int[] prompt = prompt(model.vocab());
            List<Recorder> recs = new ArrayList<>();
            List<GenerationHandle> handles = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Recorder r = new Recorder();
                recs.add(r);
                GenerationRequest q = request("mix" + i, prompt, 40, hot(90 + i), r).withIgnoreEos(true);
                handles.add(engine.submit(i % 2 == 0 ? q.withConstraint(Constraint.of(LIST_GRAMMAR)) : q));
            }
            for (int i = 0; i < 8; i++) {
                GenerationResult r = await(handles.get(i));
                if (i % 2 == 0) {
                    assertEquals(FinishReason.STOP, r.finishReason());
                    assertTrue(LIST.matcher(recs.get(i).text).matches(), recs.get(i).text.toString());
                } else {
                    assertEquals(FinishReason.LENGTH, r.finishReason());
                    assertEquals(40, r.usage().completionTokens());
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void shouldBanAndForceTokensWithLogitBias(String which) throws Exception {
        try (LlamaModel model = load(which); Engine engine = engine(model)) {
            int[] prompt = prompt(model.vocab());
            Recorder plain = new Recorder();
            await(engine.submit(GenerationRequest.greedy("plain", prompt, 4, plain).withIgnoreEos(true)));
            int first = plain.tokens.get(0);
            Recorder banned = new Recorder();
            await(engine.submit(GenerationRequest.greedy("ban", prompt, 4, banned).withIgnoreEos(true)
                    .withLogitBias(Map.of(first, -100f))));
            assertNotEquals(first, banned.tokens.get(0));
            assertTrue(banned.tokens.stream().noneMatch(t -> t == first));
            int forced = model.vocab().tokenize("x", false, false)[0];
            Recorder hot = new Recorder();
            GenerationResult r = await(engine.submit(request("force", prompt, 12, hot(3), hot)
                    .withLogitBias(Map.of(forced, 100f))));
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertTrue(hot.tokens.stream().allMatch(t -> t == forced), hot.tokens.toString());
            assertThrows(IllegalArgumentException.class, () -> engine.submit(request("oob", prompt, 4, hot(3),
                    new Recorder()).withLogitBias(Map.of(model.vocab().size(), 1f))));
            assertThrows(IllegalArgumentException.class, () -> request("big", prompt, 4, hot(3), new Recorder())
                    .withLogitBias(Map.of(1, 101f)));
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void shouldReportLogprobsOfTheSampledTokenAndTheMostLikelyOnes(String which) throws Exception {
        try (LlamaModel model = load(which); Engine engine = engine(model)) {
            int[] prompt = prompt(model.vocab());
            Recorder greedy = new Recorder();
            await(engine.submit(GenerationRequest.greedy("lp", prompt, 16, greedy).withIgnoreEos(true)
                    .withTopLogprobs(5)));
            assertEquals(16, greedy.logprobs.size());
            for (int i = 0; i < 16; i++) {
                TokenLogprobs lp = greedy.logprobs.get(i);
                assertEquals(greedy.tokens.get(i), lp.token());
                assertEquals(5, lp.topTokens().length);
                assertEquals(lp.topTokens()[0], lp.token(), "greedy samples the top-1 token");
                assertEquals(lp.topLogprobs()[0], lp.logprob(), 1e-6);
                assertSorted(lp);
            }
            for (int i = 0; i < greedy.events.size(); i += 2) {
                assertEquals(List.of("logprobs", "token"), greedy.events.subList(i, i + 2));
            }
            Recorder hot = new Recorder();
            await(engine.submit(request("lp-hot", prompt, 16, hot(11), hot).withIgnoreEos(true).withTopLogprobs(20)
                    .withConstraint(Constraint.of(LIST_GRAMMAR))));
            assertEquals(hot.tokens.size(), hot.logprobs.size());
            for (TokenLogprobs lp : hot.logprobs) {
                assertTrue(lp.logprob() <= lp.topLogprobs()[0]);
                assertSorted(lp);
            }
            Recorder none = new Recorder();
            await(engine.submit(request("lp-0", prompt, 3, hot(12), none).withIgnoreEos(true).withTopLogprobs(0)));
            assertEquals(3, none.logprobs.size());
            assertArrayEquals(new int[0], none.logprobs.get(0).topTokens());
            Recorder off = new Recorder();
            await(engine.submit(request("lp-off", prompt, 3, hot(12), off).withIgnoreEos(true)));
            assertTrue(off.logprobs.isEmpty());
        }
    }

    private static void assertSorted(TokenLogprobs lp) {
        assertTrue(lp.logprob() <= 0f, "logprob " + lp.logprob());
        double sum = 0;
        for (int j = 0; j < lp.topLogprobs().length; j++) {
            assertTrue(lp.topLogprobs()[j] <= 0f);
            if (j > 0) {
                assertTrue(lp.topLogprobs()[j] <= lp.topLogprobs()[j - 1], "sorted");
            }
            sum += Math.exp(lp.topLogprobs()[j]);
        }
        assertTrue(sum <= 1 + 1e-4, "probabilities sum to " + sum);
    }

    /**
     * llama.cpp's grammar reads a control token as its text ({@code <s>}), the client gets nothing
     * for it: under a grammar such tokens are refused, so the client's text is what the grammar saw.
     */
    @ParameterizedTest
    @MethodSource("models")
    void shouldNotLetAControlTokenStandInForItsText(String which) throws Exception {
        try (LlamaModel model = load(which); Engine engine = engine(model)) {
            int[] prompt = prompt(model.vocab());
            int bos = model.vocab().bos();
            // a strong push towards <s>: without the guard it would be sampled as the grammar's "<s>"
            for (int i = 0; i < 16; i++) {
                Recorder r = new Recorder();
                GenerationResult result = await(engine.submit(request("ctl" + i, prompt, 16, hot(i), r)
                        .withLogitBias(Map.of(bos, 50f)).withConstraint(Constraint.of("root ::= \"<s>x\""))));
                assertEquals(FinishReason.STOP, result.finishReason());
                assertEquals("<s>x", r.text.toString());
                assertTrue(r.tokens.stream().noneMatch(t -> t == bos), r.tokens.toString());
            }
        }
    }

    /**
     * Preempted sequences are recomputed from their tokens; the grammar keeps its state and never
     * sees those tokens again (a re-accepted token would shift the bounded repetition's count).
     */
    @Test
    void shouldKeepTheGrammarStateAcrossPreemption() throws Exception {
        String grammar = "root ::= \"[\" [a-z]{100,140} \"]\"";
        Pattern pattern = Pattern.compile("\\[[a-z]{100,140}\\]");
        // 256 cells for 4 sequences that may each grow to 200: they cannot all fit at once.
        EngineConfig tight = new EngineConfig(4, 256, 64, 16, 1, 0, 200);
        try (LlamaModel model = load("synthetic"); Engine engine = Engine.start(model, tight)) {
            List<GenerationHandle> handles = new ArrayList<>();
            List<Recorder> recs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Recorder r = new Recorder();
                recs.add(r);
                int seed = i;
                int[] prompt = java.util.stream.IntStream.range(0, 40).map(k -> 3 + (seed * 31 + k * 7) % 380).toArray();
                handles.add(engine.submit(request("pre" + i, prompt, 160, hot(40 + i), r)
                        .withConstraint(Constraint.of(grammar))));
            }
            for (int i = 0; i < 4; i++) {
                GenerationResult r = await(handles.get(i));
                assertEquals(FinishReason.STOP, r.finishReason(), String.valueOf(r));
                assertTrue(pattern.matcher(recs.get(i).text).matches(), recs.get(i).text.toString());
            }
            assertTrue(engine.metrics().preemptions() > 0, "preempted: " + engine.metrics());
        }
    }

    @Test
    void shouldSkipTheRealVocabularyCleanlyWhenAbsent() {
        Assumptions.assumeTrue(TestModels.sharedTinyRandom().isEmpty(), "the shared model is present");
        assertEquals(List.of("synthetic"), models().toList());
    }
}
