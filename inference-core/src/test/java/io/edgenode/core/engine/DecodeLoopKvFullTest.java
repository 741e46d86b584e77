package io.edgenode.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.llama.ContextParams;
import io.edgenode.core.llama.LlamaContext;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.LlamaModel;
import io.edgenode.core.llama.ModelParams;
import io.edgenode.core.llama.QuantType;
import io.edgenode.core.llama.TestModels;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * When the ledger is wrong and {@code llama_decode} finds no KV room after all: a real context of
 * 256 cells behind a loop whose config claims four times as many, so the scheduler plans steps
 * llama.cpp refuses. The loop must shrink the batch, then relieve (evict, preempt, fail alone):
 * never a native abort, never a loop.
 */
@Timeout(120)
class DecodeLoopKvFullTest {
    private static LlamaModel model;
    private DecodeLoop loop;
    private Thread thread;
    private final BlockingQueue<Sequence> inbox = new ArrayBlockingQueue<>(16);
    private final AtomicInteger queued = new AtomicInteger();
    private long arrivals;

    @BeforeAll
    static void load() {
        model = LlamaModel.load(LlamaLibrary.load(), TestModels.tiny(QuantType.F32), ModelParams.defaults());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Starts a loop over a context of {@code cells} cells whose config claims {@code claimed}. */
    private int start(int cells, int claimed) {
        LlamaContext context = LlamaContext.create(model, ContextParams.single(cells).withSeqMax(2).withThreads(1)
                .withBatch(64, 64));
        int real = context.contextSize();
        loop = new DecodeLoop(context, new EngineConfig(2, claimed, 64, 16, 1, 0, claimed), inbox, queued);
        thread = Thread.ofPlatform().name("test-engine").start(loop::run);
        return real;
    }

    @AfterEach
    void stop() throws InterruptedException {
        loop.stop();
        thread.interrupt();
        thread.join(30_000);
    }

    private GenerationResult run(int[] prompt, int maxTokens) throws Exception {
        return submit(prompt, maxTokens).completion().get(60, TimeUnit.SECONDS);
    }

    private Sequence submit(int[] prompt, int maxTokens) {
        Sequence s = new Sequence(GenerationRequest.greedy("r" + arrivals, prompt, maxTokens,
                GenerationListener.discarding()).withIgnoreEos(true), ++arrivals, System.nanoTime());
        queued.incrementAndGet();
        assertTrue(inbox.offer(s));
        return s;
    }

    private static int[] prompt(int seed, int length) {
        return IntStream.range(0, length).map(i -> 3 + (seed * 31 + i * 7) % 380).toArray();
    }

    @Test
    void shouldFailASequenceThatCannotFitAloneAndKeepServing() throws Exception {
        int real = start(256, 1024);

        GenerationResult r = run(prompt(1, real + 20), 10);

        assertEquals(FinishReason.ERROR, r.finishReason());
        assertTrue(r.error().contains("KV cache full"), r.error());
        EngineMetrics m = loop.metrics(0);
        assertTrue(m.steps() < 20, "it gave up, it did not loop: " + m);
        assertTrue(loop.kvFullRetries() <= 8, "halved to one token, then failed: " + loop.kvFullRetries());
        assertEquals(0, m.activeSequences());
        assertEquals(FinishReason.LENGTH, run(prompt(2, 20), 5).finishReason(), "the engine goes on");
    }

    @Test
    void shouldShrinkTheBatchThenDropAnIdleCacheWhenTheCellsRunOut() throws Exception {
        int real = start(256, 1024);
        List<Integer> expected;
        int[] p = prompt(4, 100);
        try (Engine alone = Engine.start(model, EngineConfig.defaults().withThreads(1).withContextSize(1024)
                .withParallel(2).withMaxBatchTokens(64))) {
            EngineTest.Collector c = new EngineTest.Collector();
            alone.submit(GenerationRequest.greedy("ref", p, 12, c).withIgnoreEos(true)).completion()
                    .get(60, TimeUnit.SECONDS);
            expected = c.tokens;
        }
        // An idle cache of 200 cells that the ledger thinks costs nothing: the next prompt's 64-token
        // chunks do not fit the 56 real cells left, halves do, and then only dropping the cache helps.
        assertEquals(FinishReason.LENGTH, run(prompt(3, real - 56), 1).finishReason());

        EngineTest.Collector c = new EngineTest.Collector();
        Sequence s = new Sequence(GenerationRequest.greedy("p", p, 12, c).withIgnoreEos(true), ++arrivals,
                System.nanoTime());
        queued.incrementAndGet();
        assertTrue(inbox.offer(s));
        GenerationResult r = s.completion().get(60, TimeUnit.SECONDS);

        assertEquals(FinishReason.LENGTH, r.finishReason(), String.valueOf(r));
        assertEquals(expected, c.tokens, "the same greedy output as with room to spare");
        assertEquals(0, loop.metrics(0).preemptions(), "an idle cache went, nobody was preempted");
        assertTrue(loop.kvFullRetries() > 0, "llama.cpp refused steps the ledger allowed");
    }

    @Test
    void shouldPreemptTheYoungestWhenTheRealCellsRunOut() throws Exception {
        start(256, 1024);
        Sequence older = submit(prompt(5, 100), 60);
        Sequence younger = submit(prompt(6, 100), 60); // 2 x 160 tokens: more than the 256 real cells

        assertEquals(FinishReason.LENGTH, older.completion().get(60, TimeUnit.SECONDS).finishReason());
        assertEquals(FinishReason.LENGTH, younger.completion().get(60, TimeUnit.SECONDS).finishReason());
        assertTrue(loop.metrics(0).preemptions() > 0, String.valueOf(loop.metrics(0)));
        assertEquals(60, younger.generated, "recomputed, then finished");
    }
}
