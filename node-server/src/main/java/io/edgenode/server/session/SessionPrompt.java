package io.edgenode.server.session;

import io.edgenode.core.chat.ChatMessage;
import io.edgenode.core.chat.ChatTemplate;
import io.edgenode.core.llama.Vocab;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds a session turn's prompt: the system prompt, the stored turns and the new messages,
 * rendered by the model's chat template, and the tokens to feed. Stateless; any thread (the
 * template and vocabulary are thread-safe).
 *
 * <p>The history keeps the token ids that were actually decoded ({@link Continuation}): when the
 * rendered conversation starts with the text of the previous turn's prompt and reply, the prompt
 * is those exact ids plus the tokens of the new text only. Re-tokenizing the reply text could
 * split it differently from how it was generated (llama-server's prompt cache loses ~20 tokens a
 * turn that way), and the KV restored from the snapshot matches only the exact ids. The
 * continued tokens are used only when they decode to the same text as tokenizing the whole
 * conversation would give, so the model never sees a different prompt (for example a
 * SentencePiece space prefix at the start of the new text).
 *
 * <p>When the conversation outgrows {@code tokenBudget}, the oldest turns are dropped (the system
 * prompt stays) until it fits, and the plan says how many.
 */
public final class SessionPrompt {
    private SessionPrompt() {}

    /**
     * @param tokens what to submit
     * @param text the rendered conversation (the prompt's text)
     * @param droppedTurns oldest turns left out to fit the budget
     * @param continued whether {@code tokens} start with the stored continuation's exact ids
     */
    public record Plan(int[] tokens, String text, int droppedTurns, boolean continued) {}

    /** The messages of a conversation: system prompt, each stored turn's input and reply, then the new messages. */
    public static List<ChatMessage> conversation(String systemPrompt, List<Turn> turns, List<ChatMessage> newMessages) {
        List<ChatMessage> out = new ArrayList<>();
        if (systemPrompt != null && !systemPrompt.isEmpty()) {
            out.add(new ChatMessage("system", systemPrompt));
        }
        for (Turn t : turns) {
            for (SessionMessage m : t.input()) {
                out.add(new ChatMessage(m.role(), m.content()));
            }
            out.add(new ChatMessage("assistant", t.reply()));
        }
        out.addAll(newMessages);
        return out;
    }

    /**
     * Plans a turn. {@code continuation} may be null or belong to another model (then ignored).
     *
     * @throws io.edgenode.core.chat.ChatTemplateException when the template rejects the conversation
     */
    public static Plan plan(ChatTemplate template, Vocab vocab, String modelId, String systemPrompt, List<Turn> turns,
            List<ChatMessage> newMessages, Continuation continuation, int tokenBudget) {
        Plan plan = null;
        for (int drop = 0; drop <= turns.size(); drop++) {
            String text = template.render(conversation(systemPrompt, turns.subList(drop, turns.size()), newMessages), true);
            int[] full = tokenize(template, vocab, text);
            plan = new Plan(full, text, drop, false);
            if (drop == 0 && continuation != null && modelId.equals(continuation.modelId())) {
                plan = continued(vocab, text, full, continuation, plan);
            }
            if (plan.tokens().length <= tokenBudget) {
                return plan;
            }
        }
        return plan; // even without history it does not fit: the caller reports the context length
    }

    private static Plan continued(Vocab vocab, String text, int[] full, Continuation c, Plan fallback) {
        if (!text.startsWith(c.text())) {
            return fallback; // the template rewrote earlier turns: no exact prefix to keep
        }
        int[] cont = c.tokens();
        if (full.length >= cont.length && Arrays.equals(full, 0, cont.length, cont, 0, cont.length)) {
            return new Plan(full, text, 0, true); // re-tokenizing gives the same ids
        }
        int[] suffix = vocab.tokenize(text.substring(c.text().length()), false, true);
        int[] tokens = Arrays.copyOf(cont, cont.length + suffix.length);
        System.arraycopy(suffix, 0, tokens, cont.length, suffix.length);
        if (!vocab.detokenize(tokens, false, true).equals(vocab.detokenize(full, false, true))) {
            return fallback; // the split tokenization would change the text the model sees
        }
        return new Plan(tokens, text, 0, true);
    }

    /** The rendered text's tokens, with BOS unless the template already wrote it (Llama 3 does). */
    public static int[] tokenize(ChatTemplate template, Vocab vocab, String rendered) {
        String bos = template.bosToken();
        boolean addBos = vocab.addsBos() && (bos.isEmpty() || !rendered.startsWith(bos));
        return vocab.tokenize(rendered, addBos, true);
    }
}
