package io.edgenode.server.gateway;

import io.edgenode.server.config.GatewaySettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Thread-safe (immutable; each check uses its own matchers): the guardrails of
 * {@code gateway.guardrails}, on the prompt side, and the factory of the reply side's
 * {@link StreamGuard}s.
 *
 * <p>A prompt longer than {@code max_prompt_chars} matches the rule {@code max_prompt_chars};
 * a prompt containing a deny pattern ({@link Matcher#find}: anywhere in it) matches
 * {@code deny[i]}, {@code i} the pattern's index in the list. Every rule has the configured
 * action. With BLOCK the first rule that matches decides (the length first: a refused prompt is
 * not scanned); with FLAG every rule that matches is named.
 *
 * <p>Bounded matching: operators write the patterns, clients only supply the text, and Java's
 * regex engine can backtrack exponentially on crafted text. Two bounds: the text scanned (the
 * prompt is at most {@code max_prompt_chars} when that is set, else the body limit; a reply is
 * scanned a window and a chunk at a time), and the work per scan ({@link BoundedText}: a scan
 * that reads too many characters counts as a match, so slowness cannot hide a match). Operators
 * should still prefer patterns without nested quantifiers.
 */
public final class Guardrail {
    public static final String MAX_PROMPT_CHARS = "max_prompt_chars";

    private final GatewaySettings.Guardrails settings;
    private final Verdict.Kind kind;

    public Guardrail(GatewaySettings.Guardrails settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.kind = settings.action() == GatewaySettings.Action.BLOCK ? Verdict.Kind.BLOCK : Verdict.Kind.FLAG;
    }

    /** The id of deny pattern {@code index}, as verdicts, errors and the ledger name it. */
    public static String denyRule(int index) {
        return "deny[" + index + "]";
    }

    /** Whether no rule is configured (the pipeline can skip the stage). */
    public boolean isEmpty() {
        return settings.isEmpty();
    }

    /** Checks a prompt: all message contents together (any thread). */
    public Verdict checkPrompt(CharSequence promptText) {
        Objects.requireNonNull(promptText, "promptText");
        List<String> matched = new ArrayList<>(0);
        if (settings.maxPromptChars() > 0 && promptText.length() > settings.maxPromptChars()) {
            matched.add(MAX_PROMPT_CHARS);
            if (kind == Verdict.Kind.BLOCK) {
                return new Verdict(kind, matched);
            }
        }
        BoundedText text = new BoundedText();
        List<Pattern> deny = settings.deny();
        for (int i = 0; i < deny.size(); i++) {
            if (finds(deny.get(i).matcher(text.reset(promptText)))) {
                matched.add(denyRule(i));
                if (kind == Verdict.Kind.BLOCK) {
                    break;
                }
            }
        }
        return matched.isEmpty() ? Verdict.PASS : new Verdict(kind, matched);
    }

    /** A reply-side guard for one generation (confined to its thread). */
    public StreamGuard newStreamGuard() {
        return new StreamGuard(settings);
    }

    /**
     * {@code m.find()} within {@link BoundedText}'s budget; an exhausted budget is a match (fail
     * closed). {@code m} must read a {@link BoundedText} that was just reset.
     */
    static boolean finds(Matcher m) {
        try {
            return m.find();
        } catch (BoundedText.Exhausted e) {
            return true;
        } catch (StackOverflowError e) {
            return true; // deep recursion in the regex engine on long alternations: also fail closed
        }
    }
}
