package io.edgenode.server.pipeline;

import io.edgenode.core.chat.ChatMessage;
import io.edgenode.server.node.LoadedModel;
import io.edgenode.server.session.SessionPrompt;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The prompt prefixes an operator marked shared across tenants ({@code gateway.shared_prefixes}),
 * as each model tokenizes them: rendered as a system message by the model's template (what a chat
 * request with that system prompt starts with) and as plain text (a completion prompt). A prompt's
 * shared length is its longest common prefix with any of them: those tokens are the operator's
 * public text, so reusing another tenant's KV for them tells no one anything. Thread-safe; token
 * lists are computed once per loaded model (the request thread that first needs them).
 */
public final class SharedPrefixes {
    private static final System.Logger LOG = System.getLogger(SharedPrefixes.class.getName());
    private final List<String> texts;
    /** By loaded model (a reloaded model is a new instance, with a possibly new vocabulary). */
    private final Map<LoadedModel, List<int[]>> tokens = new ConcurrentHashMap<>();

    public SharedPrefixes(List<String> texts) {
        this.texts = List.copyOf(texts);
    }

    /** How many leading tokens of {@code prompt} are operator-shared on {@code m}; 0 when none are configured. */
    public int sharedLength(LoadedModel m, int[] prompt) {
        if (texts.isEmpty()) {
            return 0;
        }
        int best = 0;
        for (int[] t : tokens.computeIfAbsent(m, this::tokenize)) {
            int n = Math.min(t.length, prompt.length);
            int i = java.util.Arrays.mismatch(t, 0, n, prompt, 0, n);
            best = Math.max(best, i < 0 ? n : i);
        }
        return best;
    }

    private List<int[]> tokenize(LoadedModel m) {
        tokens.keySet().removeIf(old -> old.id().equals(m.id()) && old != m); // an unloaded instance
        List<int[]> out = new ArrayList<>();
        for (String text : texts) {
            out.add(m.model().vocab().tokenize(text, m.model().vocab().addsBos(), false));
            try {
                String rendered = m.template().render(List.of(new ChatMessage("system", text)), false);
                out.add(SessionPrompt.tokenize(m.template(), m.model().vocab(), rendered));
            } catch (RuntimeException e) {
                // A template without a system role: chat prompts then share nothing but plain text's tokens.
                LOG.log(System.Logger.Level.DEBUG, "shared prefix not renderable by {0}''s template: {1}", m.id(),
                        e.getMessage());
            }
        }
        return out;
    }
}
