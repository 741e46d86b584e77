package io.edgenode.server.gateway;

import java.util.List;
import java.util.Objects;

/**
 * What a guardrail says about a prompt or a piece of a reply. Immutable.
 *
 * @param kind pass, or the configured action of the rules that matched
 * @param ruleIds the rules that matched, in rule order: {@code deny[i]} (the index of the pattern
 *     in {@code guardrails.deny}) or {@code max_prompt_chars}; empty for a pass
 */
public record Verdict(Kind kind, List<String> ruleIds) {
    /** Nothing matched. */
    public static final Verdict PASS = new Verdict(Kind.PASS, List.of());

    /** Ordered by severity. */
    public enum Kind {
        PASS,
        /** Let it through; record the rules in the ledger and the log. */
        FLAG,
        /** Refuse the prompt ({@code prompt_blocked}) or end the reply ({@code response_blocked}). */
        BLOCK
    }

    public Verdict {
        Objects.requireNonNull(kind, "kind");
        ruleIds = List.copyOf(ruleIds);
        if ((kind == Kind.PASS) != ruleIds.isEmpty()) {
            throw new IllegalArgumentException("a pass names no rule; a flag or block names at least one");
        }
    }

    /** The first rule that matched (what an error names), or null for a pass. */
    public String ruleId() {
        return ruleIds.isEmpty() ? null : ruleIds.getFirst();
    }

    public boolean passed() {
        return kind == Kind.PASS;
    }

    public boolean blocks() {
        return kind == Kind.BLOCK;
    }
}
