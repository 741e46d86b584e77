package io.edgenode.core.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class LogprobsTest {
    private static TokenLogprobs of(float[] logits, int token, int top) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment row = arena.allocateFrom(ValueLayout.JAVA_FLOAT, logits);
            return Logprobs.of(row, token, top);
        }
    }

    @Test
    void shouldBeStableForHugeLogits() {
        TokenLogprobs lp = of(new float[] {1000f, 1000f, -1000f}, 0, 3);
        assertEquals(Math.log(0.5), lp.logprob(), 1e-6);
        assertArrayEquals(new int[] {0, 1, 2}, lp.topTokens(), "ties keep the lower id first");
        assertEquals(-2000 - Math.log(2), lp.topLogprobs()[2], 1e-3, "exact even where exp() would underflow");
    }

    @Test
    void shouldMatchASoftmaxAndSortTheTop() {
        float[] logits = {0.5f, 2f, -1f, 3f, 2f};
        double z = 0;
        for (float x : logits) {
            z += Math.exp(x);
        }
        TokenLogprobs lp = of(logits, 2, 3);
        assertEquals(-1 - Math.log(z), lp.logprob(), 1e-5);
        assertArrayEquals(new int[] {3, 1, 4}, lp.topTokens());
        assertEquals(3 - Math.log(z), lp.topLogprobs()[0], 1e-5);
        double sum = 0;
        for (float p : lp.topLogprobs()) {
            sum += Math.exp(p);
        }
        assertTrue(sum <= 1);
        assertEquals(0, of(logits, 0, 0).topTokens().length);
        assertEquals(5, of(logits, 0, 20).topTokens().length, "no more alternatives than tokens");
    }
}
