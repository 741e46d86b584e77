package io.edgenode.core.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.LlamaModel;
import io.edgenode.core.llama.ModelParams;
import io.edgenode.core.llama.QuantType;
import io.edgenode.core.llama.TestModels;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Session KV hibernation on a real context: a sequence's KV captured at the end of one engine is
 * restored into another engine (a new context, as after a restart), and only the new tokens are
 * prefilled; a snapshot llama.cpp refuses means a normal prefill with the same output.
 */
@Timeout(120)
class KvHibernationTest {
    private static LlamaModel model;

    @BeforeAll
    static void load() {
        model = LlamaModel.load(LlamaLibrary.load(), TestModels.tiny(QuantType.F32), ModelParams.defaults());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static EngineConfig config() {
        return EngineConfig.defaults().withThreads(1).withContextSize(1024).withParallel(4).withMaxBatchTokens(64);
    }

    private static int[] tokens(int seed, int length) {
        return IntStream.range(0, length).map(i -> 3 + (seed * 31 + i * 7) % 380).toArray();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static GenerationResult run(Engine engine, GenerationRequest request) throws Exception {
        return engine.submit(request).completion().get(60, TimeUnit.SECONDS);
    }

    private static GenerationRequest turn(String id, int[] prompt, KvState restore, boolean capture,
            EngineTest.Collector c) {
        return GenerationRequest.greedy(id, prompt, 12, c).withIgnoreEos(true).withKv(restore, capture);
    }

    @Test
    void shouldRestoreACapturedSequenceInANewContextAndPrefillOnlyTheNewTokens() throws Exception {
        int[] firstPrompt = tokens(1, 90);
        GenerationResult first;
        try (Engine engine = Engine.start(model, config())) {
            first = run(engine, turn("t1", firstPrompt, null, true, new EngineTest.Collector()));
        }
        KvState kv = first.kv();
        assertNotNull(kv, "captured at the end of the turn");
        // The KV holds every token fed back: the prompt and all generated tokens but the last.
        assertEquals(firstPrompt.length + 12, first.tokens().length);
        assertArrayEquals(Arrays.copyOf(first.tokens(), first.tokens().length - 1), kv.tokens());
        assertTrue(kv.stateBytes() > 0);
        assertTrue(kv.state().isNative(), "captured straight into native memory, no heap copy");

        int[] secondPrompt = concat(first.tokens(), tokens(2, 30));
        EngineTest.Collector restoredOut = new EngineTest.Collector();
        EngineTest.Collector coldOut = new EngineTest.Collector();
        GenerationResult restored;
        GenerationResult cold;
        try (Engine engine = Engine.start(model, config())) {
            restored = run(engine, turn("t2", secondPrompt, kv, true, restoredOut));
            assertEquals(1, engine.metrics().kvRestores());
        }
        assertFalse(kv.isOpen(), "the engine freed the snapshot once it was restored");
        try (Engine engine = Engine.start(model, config())) {
            cold = run(engine, turn("t2-cold", secondPrompt, null, false, coldOut));
        }
        assertEquals(kv.tokenCount(), restored.usage().cachedPromptTokens(), "every snapshot token reused");
        assertEquals(0, cold.usage().cachedPromptTokens());
        assertEquals(coldOut.tokens, restoredOut.tokens, "restored KV gives the same greedy output as a prefill");
        assertNull(cold.kv(), "no capture unless asked");
        assertNotNull(restored.kv());
        restored.kv().close();
    }

    @Test
    void shouldPrefillNormallyWhenTheSnapshotIsRefused() throws Exception {
        int[] firstPrompt = tokens(3, 60);
        GenerationResult first;
        try (Engine engine = Engine.start(model, config())) {
            first = run(engine, turn("t1", firstPrompt, null, true, new EngineTest.Collector()));
        }
        KvState good = first.kv();
        KvState truncated = KvState.copyOf(good.tokens(), good.state().asSlice(0, good.stateBytes() / 2));
        KvState garbage = KvState.copyOf(good.tokens(), good.state());
        garbage.state().asSlice(0, 16).fill((byte) 0x5a);
        good.close();
        int[] secondPrompt = concat(first.tokens(), tokens(4, 20));
        EngineTest.Collector reference = new EngineTest.Collector();
        try (Engine engine = Engine.start(model, config())) {
            run(engine, turn("ref", secondPrompt, null, false, reference));
        }
        for (KvState bad : List.of(truncated, garbage)) {
            EngineTest.Collector out = new EngineTest.Collector();
            try (Engine engine = Engine.start(model, config())) {
                GenerationResult r = run(engine, turn("bad", secondPrompt, bad, false, out));
                assertFalse(bad.isOpen(), "a refused snapshot is freed too");
                assertEquals(FinishReason.LENGTH, r.finishReason());
                assertEquals(0, r.usage().cachedPromptTokens());
                assertEquals(1, engine.metrics().kvRestoreFailures());
            }
            assertEquals(reference.tokens, out.tokens, "same output as without a snapshot");
        }
    }

    @Test
    void shouldPreferTheResidentSlotOverTheSnapshot() throws Exception {
        try (Engine engine = Engine.start(model, config())) {
            GenerationResult first = run(engine, turn("t1", tokens(5, 70), null, true, new EngineTest.Collector()));
            int[] next = concat(first.tokens(), tokens(6, 10));
            GenerationResult second = run(engine, turn("t2", next, first.kv(), false, new EngineTest.Collector()));
            assertEquals(0, engine.metrics().kvRestores(), "the slot still held the history");
            assertEquals(first.kv().tokenCount(), second.usage().cachedPromptTokens());
            assertFalse(first.kv().isOpen(), "an unused snapshot is freed at admission");
        }
    }

    @Test
    void shouldFreeASnapshotWhoseRequestNeverRuns() throws Exception {
        KvState captured;
        try (Engine engine = Engine.start(model, config())) {
            captured = run(engine, turn("t1", tokens(8, 40), null, true, new EngineTest.Collector())).kv();
        }
        KvState forRejected = KvState.copyOf(captured.tokens(), captured.state());
        KvState forCancelled = KvState.copyOf(captured.tokens(), captured.state());
        KvState forShutdown = KvState.copyOf(captured.tokens(), captured.state());
        captured.close();
        assertTrue(forRejected.isOpen() && forCancelled.isOpen() && forShutdown.isOpen());
        EngineConfig one = config().withParallel(1);
        Engine engine = Engine.start(model, one);
        try {
            assertThrows(EngineRejectedException.class, () -> engine.submit(GenerationRequest.greedy("big",
                    tokens(9, one.maxSequenceTokens()), 10, new EngineTest.Collector()).withKv(forRejected, false)));
            assertFalse(forRejected.isOpen(), "rejected at submit: freed");

            java.util.concurrent.CountDownLatch streaming = new java.util.concurrent.CountDownLatch(1);
            EngineTest.Collector busy = new EngineTest.Collector() {
                @Override
                public void onText(String delta) {
                    super.onText(delta);
                    streaming.countDown();
                }
            };
            GenerationHandle hog = engine.submit(GenerationRequest.greedy("hog", tokens(10, 20), 200, busy)
                    .withIgnoreEos(true));
            assertTrue(streaming.await(30, TimeUnit.SECONDS));
            GenerationHandle waiting = engine.submit(turn("waits", tokens(8, 60), forCancelled, false,
                    new EngineTest.Collector()));
            engine.submit(turn("at-shutdown", tokens(8, 60), forShutdown, false, new EngineTest.Collector()));
            waiting.cancel();
            assertEquals(FinishReason.CANCELLED, waiting.completion().get(30, TimeUnit.SECONDS).finishReason());
            assertFalse(forCancelled.isOpen(), "cancelled while waiting: freed");
            assertTrue(forShutdown.isOpen(), "contrast: still waiting, still owned by the engine");
            hog.cancel();
        } finally {
            engine.shutdown(java.time.Duration.ZERO);
        }
        assertFalse(forShutdown.isOpen(), "dropped at shutdown: freed");
    }

    @Test
    void shouldReportTheStopStringThatEndedAGeneration() throws Exception {
        try (Engine engine = Engine.start(model, config())) {
            EngineTest.Collector probe = new EngineTest.Collector();
            run(engine, turn("probe", tokens(7, 20), null, false, probe));
            String text = probe.text.toString();
            String stop = text.substring(4, 6);
            EngineTest.Collector c = new EngineTest.Collector();
            GenerationResult r = run(engine, turn("stop", tokens(7, 20), null, true, c).withStop(List.of(stop)));
            assertEquals(FinishReason.STOP, r.finishReason());
            assertEquals(stop, r.stopString());
            r.kv().close();
        }
    }
}
