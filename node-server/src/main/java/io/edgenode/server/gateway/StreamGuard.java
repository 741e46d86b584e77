package io.edgenode.server.gateway;

import io.edgenode.server.config.GatewaySettings;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;

/**
 * Confined to the engine's decode thread of one generation: the deny patterns on a streamed
 * reply, chunk by chunk. It keeps the last {@code window} characters seen and scans them with
 * each new delta, so a match that spans chunk boundaries is found as long as it fits in the
 * window plus the newest delta (operators size the window to the longest text a pattern should
 * catch). Each rule is reported at most once per generation; a BLOCK verdict tells the caller to
 * end the reply (with {@code response_blocked}), after which the guard reports nothing more.
 *
 * <p>The text scanned per chunk is at most {@code window} plus the delta, and each scan's work is
 * bounded by {@link BoundedText}; see {@link Guardrail} for why. The matchers, the window buffer
 * and the bounded view are allocated once, here, not per chunk. Known limit: the part of a match
 * in earlier chunks has already been handed to the client when the chunk completing it arrives;
 * holding a reply back by a window is the caller's choice.
 */
public final class StreamGuard {
    private final int window;
    private final Verdict.Kind kind;
    private final Matcher[] matchers;
    private final boolean[] reported;
    private final StringBuilder recent;
    private final BoundedText view = new BoundedText();
    private boolean blocked;

    StreamGuard(GatewaySettings.Guardrails settings) {
        this.window = settings.window();
        this.kind = settings.action() == GatewaySettings.Action.BLOCK ? Verdict.Kind.BLOCK : Verdict.Kind.FLAG;
        this.matchers = new Matcher[settings.deny().size()];
        for (int i = 0; i < matchers.length; i++) {
            matchers[i] = settings.deny().get(i).matcher("");
        }
        this.reported = new boolean[matchers.length];
        this.recent = new StringBuilder(window + 64);
    }

    /** Scans {@code delta} with the window before it; PASS, or the rules newly matched. */
    public Verdict onText(String delta) {
        if (blocked || matchers.length == 0 || delta.isEmpty()) {
            return Verdict.PASS;
        }
        recent.append(delta);
        List<String> matched = null;
        for (int i = 0; i < matchers.length; i++) {
            if (reported[i]) {
                continue; // once per rule; a match inside the old window alone was reported then
            }
            if (Guardrail.finds(matchers[i].reset(view.reset(recent)))) {
                reported[i] = true;
                if (matched == null) {
                    matched = new ArrayList<>(1);
                }
                matched.add(Guardrail.denyRule(i));
            }
        }
        trim();
        if (matched == null) {
            return Verdict.PASS;
        }
        blocked = kind == Verdict.Kind.BLOCK;
        return new Verdict(kind, matched);
    }

    /** Whether a BLOCK verdict has ended this reply. */
    public boolean blocked() {
        return blocked;
    }

    /** The characters kept for the next scan (tests). */
    int retained() {
        return recent.length();
    }

    /** Keeps the last {@code window} characters, never starting inside a surrogate pair. */
    private void trim() {
        int cut = recent.length() - window;
        if (cut <= 0) {
            return;
        }
        if (Character.isLowSurrogate(recent.charAt(cut))) {
            cut--;
        }
        recent.delete(0, cut);
    }
}
