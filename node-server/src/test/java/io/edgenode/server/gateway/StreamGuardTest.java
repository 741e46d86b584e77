package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.server.config.GatewaySettings;
import io.edgenode.server.config.GatewaySettings.Action;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The reply side of the guardrails: patterns across chunks, once per rule, within a window. */
class StreamGuardTest {
    static StreamGuard guard(Action action, int window, String... deny) {
        List<Pattern> patterns = java.util.Arrays.stream(deny).map(Pattern::compile).toList();
        return new Guardrail(new GatewaySettings.Guardrails(patterns, 0, action, window)).newStreamGuard();
    }

    @Test
    void shouldCatchAPatternSplitAcrossThreeDeltas() {
        StreamGuard g = guard(Action.BLOCK, 64, "harmless", "credit card \\d{4}");
        assertSame(Verdict.PASS, g.onText("your cre"));
        assertSame(Verdict.PASS, g.onText("dit ca"));
        Verdict v = g.onText("rd 1234 is");
        assertTrue(v.blocks());
        assertEquals("deny[1]", v.ruleId());
        assertTrue(g.blocked());
        assertSame(Verdict.PASS, g.onText("more credit card 5678"), "nothing after a block");
    }

    @Test
    void shouldReportEachRuleOnce() {
        StreamGuard g = guard(Action.FLAG, 64, "bad", "worse");
        Verdict first = g.onText("a bad ");
        assertEquals(Verdict.Kind.FLAG, first.kind());
        assertEquals(List.of("deny[0]"), first.ruleIds());
        assertSame(Verdict.PASS, g.onText("and bad again"), "deny[0] was reported");
        assertEquals(List.of("deny[1]"), g.onText(" then worse").ruleIds());
        assertSame(Verdict.PASS, g.onText("worse bad"));
        assertFalse(g.blocked(), "flags never end the reply");
    }

    @Test
    void shouldReportEveryRuleANewChunkMatches() {
        StreamGuard g = guard(Action.FLAG, 64, "a", "b");
        assertEquals(List.of("deny[0]", "deny[1]"), g.onText("ab").ruleIds());
    }

    @Test
    void shouldForgetTextOlderThanTheWindow() {
        StreamGuard g = guard(Action.BLOCK, 8, "start.*end");
        assertSame(Verdict.PASS, g.onText("start"));
        assertSame(Verdict.PASS, g.onText(" 123456789 "), "pushes 'start' out of the 8-char window");
        assertSame(Verdict.PASS, g.onText("end"));
        assertEquals(8, g.retained());
        // Within the window it is found.
        StreamGuard near = guard(Action.BLOCK, 8, "start.*end");
        near.onText("start");
        assertTrue(near.onText(" end").blocks());
    }

    @Test
    void shouldScanADeltaLongerThanTheWindowWhole() {
        StreamGuard g = guard(Action.BLOCK, 4, "needle");
        assertTrue(g.onText("x".repeat(100) + "needle" + "y".repeat(100)).blocks());
    }

    @Test
    void shouldNotCutASurrogatePairOutOfTheWindow() {
        StreamGuard g = guard(Action.BLOCK, 2, "zzz");
        g.onText("a\uD83D\uDE00b"); // a, 😀 (two chars), b: the window would start inside the pair
        assertEquals(3, g.retained());
    }
}
