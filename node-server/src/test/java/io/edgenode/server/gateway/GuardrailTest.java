package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.server.config.GatewaySettings;
import io.edgenode.server.config.GatewaySettings.Action;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The prompt side of the guardrails. */
class GuardrailTest {
    static Guardrail guardrail(Action action, int maxChars, String... deny) {
        List<Pattern> patterns = java.util.Arrays.stream(deny).map(Pattern::compile).toList();
        return new Guardrail(new GatewaySettings.Guardrails(patterns, maxChars, action, 16));
    }

    @Test
    void shouldPassAPromptNoRuleMatches() {
        assertSame(Verdict.PASS, guardrail(Action.BLOCK, 100, "secret", "(?i)drop\\s+table").checkPrompt("hello"));
        assertSame(Verdict.PASS, new Guardrail(GatewaySettings.Guardrails.NONE).checkPrompt("anything"));
        assertTrue(new Guardrail(GatewaySettings.Guardrails.NONE).isEmpty());
    }

    @Test
    void shouldBlockWithTheIndexOfTheFirstMatchingPattern() {
        Verdict v = guardrail(Action.BLOCK, 0, "secret", "(?i)drop\\s+table", "x").checkPrompt("please DROP  TABLE x");
        assertTrue(v.blocks());
        assertEquals("deny[1]", v.ruleId());
        assertEquals(List.of("deny[1]"), v.ruleIds(), "a block stops at the first rule");
    }

    @Test
    void shouldFindAPatternAnywhereInThePrompt() {
        assertEquals("deny[0]", guardrail(Action.BLOCK, 0, "sec+ret").checkPrompt("a long text with secret inside")
                .ruleId());
    }

    @Test
    void shouldRefuseAPromptOverMaxPromptCharsBeforeScanningIt() {
        Verdict v = guardrail(Action.BLOCK, 5, "secret").checkPrompt("secret!");
        assertTrue(v.blocks());
        assertEquals(List.of("max_prompt_chars"), v.ruleIds());
        assertTrue(guardrail(Action.BLOCK, 5).checkPrompt("12345").passed(), "the limit itself is allowed");
    }

    @Test
    void shouldFlagEveryMatchingRule() {
        Verdict v = guardrail(Action.FLAG, 5, "a", "b", "c").checkPrompt("a and c");
        assertEquals(Verdict.Kind.FLAG, v.kind());
        assertFalse(v.blocks());
        assertEquals(List.of("max_prompt_chars", "deny[0]", "deny[2]"), v.ruleIds());
    }

    @Test
    void shouldBoundCatastrophicBacktrackingAndFailClosed() {
        // (.*a){12}c on 28 a's takes seconds unbounded (polynomial of degree 12); the budget ends
        // it in a fraction of that, as a match.
        Guardrail g = guardrail(Action.BLOCK, 0, "(.*a){12}c");
        String attack = "a".repeat(28);
        long start = System.nanoTime();
        Verdict v = g.checkPrompt(attack);
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 1000, "bounded");
        assertEquals("deny[0]", v.ruleId());
    }
}
