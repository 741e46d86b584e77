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
 * <p>The history keeps the token ids that were actually decoded ({@link Continuation}): the
 * prompt is those exact ids plus the tokens of the text after the last reply only. Re-tokenizing
 * the reply text could split it differently from how it was generated (llama-server's prompt
 * cache re-processes ~20 tokens a turn that way), and the KV restored from the snapshot matches
 * only the exact ids. So for a template whose history rendering equals the generation prompt
 * followed by the reply, the prompt is the same as sending the whole history; for one that
 * differs at that joint (Vicuna's {@code "ASSISTANT:"} vs {@code "ASSISTANT: " + reply}), the
 * session's prompt keeps what the model actually saw.
 *
 * <p>When the conversation outgrows {@code tokenBudget}, the oldest turns are dropped (the system
 * prompt stays) until it fits, and the plan says how many; the drop count is found by a binary
 * search, so a long history costs O(log n) renders, not one per dropped turn.
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
                out.add(m.toChat());
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
        return plan(template::render, template, vocab, modelId, systemPrompt, turns, newMessages, continuation,
                tokenBudget);
    }

    /** As above, rendering with {@code renderer} (the template with a request's tools). */
    public static Plan plan(io.edgenode.server.pipeline.ChatOutputPlan.Renderer renderer, ChatTemplate template,
            Vocab vocab, String modelId, String systemPrompt, List<Turn> turns, List<ChatMessage> newMessages,
            Continuation continuation, int tokenBudget) {
        return plan(Steps.of(renderer, template, vocab), modelId, systemPrompt, turns, newMessages, continuation,
                tokenBudget);
    }

    /**
     * The costly steps of planning, a render and the tokenization of a rendered text, behind one
     * interface so that a test can count them. Implementations are stateless and thread-safe.
     */
    interface Steps {
        String render(List<ChatMessage> messages, boolean addGenerationPrompt);

        /** A whole prompt's tokens, as {@link SessionPrompt#tokenize}. */
        int[] tokenize(String rendered);

        /** The tokens of text that follows other tokens: no BOS. */
        int[] tokenizeSuffix(String text);

        static Steps of(ChatTemplate template, Vocab vocab) {
            return of(template::render, template, vocab);
        }

        static Steps of(io.edgenode.server.pipeline.ChatOutputPlan.Renderer renderer, ChatTemplate template,
                Vocab vocab) {
            return new Steps() {
                @Override
                public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
                    return renderer.render(messages, addGenerationPrompt);
                }

                @Override
                public int[] tokenize(String rendered) {
                    return SessionPrompt.tokenize(template, vocab, rendered);
                }

                @Override
                public int[] tokenizeSuffix(String text) {
                    return vocab.tokenize(text, false, true);
                }
            };
        }
    }

    /**
     * Finds the fewest oldest turns to drop with a binary search over the drop count: O(log n)
     * renders and tokenizations for n turns instead of one per dropped turn (each of which
     * rendered the whole remaining history again: quadratic in the history).
     *
     * <p>This relies on the prompt's token count not growing when the oldest turns are dropped,
     * which holds for templates that render messages one after the other (all we know of). For a
     * template that broke it, the plan would still fit, but might drop more turns than needed.
     */
    static Plan plan(Steps steps, String modelId, String systemPrompt, List<Turn> turns,
            List<ChatMessage> newMessages, Continuation continuation, int tokenBudget) {
        Plan whole = withoutDropping(steps, modelId, systemPrompt, turns, newMessages, continuation);
        if (whole.tokens().length <= tokenBudget || turns.isEmpty()) {
            return whole;
        }
        // Invariant: dropping lo - 1 turns does not fit; dropping more than hi may not be needed.
        int lo = 1;
        int hi = turns.size();
        Plan fits = null;
        Plan mostDropped = null;
        while (lo <= hi) {
            int drop = (lo + hi) >>> 1;
            Plan p = dropping(steps, systemPrompt, turns, newMessages, drop);
            if (drop == turns.size()) {
                mostDropped = p;
            }
            if (p.tokens().length <= tokenBudget) {
                fits = p;
                hi = drop - 1;
            } else {
                lo = drop + 1;
            }
        }
        if (fits != null) {
            return fits;
        }
        // Even without history it does not fit: the caller reports the context length.
        return mostDropped != null ? mostDropped : dropping(steps, systemPrompt, turns, newMessages, turns.size());
    }

    /** The whole history: the continuation's exact ids where they apply, else the tokenized conversation. */
    private static Plan withoutDropping(Steps steps, String modelId, String systemPrompt, List<Turn> turns,
            List<ChatMessage> newMessages, Continuation continuation) {
        Plan plan = dropping(steps, systemPrompt, turns, newMessages, 0);
        if (continuation != null && !turns.isEmpty() && modelId.equals(continuation.modelId())) {
            return continued(steps, systemPrompt, turns, plan.text(), plan.tokens(), continuation, plan);
        }
        return plan;
    }

    private static Plan dropping(Steps steps, String systemPrompt, List<Turn> turns, List<ChatMessage> newMessages,
            int drop) {
        String text = steps.render(conversation(systemPrompt, turns.subList(drop, turns.size()), newMessages), true);
        return new Plan(steps.tokenize(text), text, drop, false);
    }

    /**
     * The continuation's exact ids, then the tokens of the text the template writes after the last
     * reply (its end-of-turn marker, the new messages, the generation prompt).
     *
     * <p>The history as the template renders it may differ from what the model saw at the joint
     * between the generation prompt and the reply: Vicuna-style templates render a past reply as
     * {@code "ASSISTANT: " + reply} while the generation prompt ends with {@code "ASSISTANT:"}.
     * The exact ids keep what the model saw and produced, so such whitespace-only differences are
     * accepted; any other difference (a template that rewrites earlier turns) falls back to
     * tokenizing the whole conversation.
     */
    private static Plan continued(Steps steps, String systemPrompt, List<Turn> turns, String text, int[] full,
            Continuation c, Plan fallback) {
        String reply = turns.getLast().reply();
        if (!c.text().endsWith(reply)) {
            return fallback; // the continuation is not of the last stored turn
        }
        String history;
        try {
            history = steps.render(conversation(systemPrompt, turns, List.of()), false);
        } catch (RuntimeException e) {
            return fallback; // some templates refuse a conversation that ends with the assistant
        }
        int replyAt = history.lastIndexOf(reply);
        if (!text.startsWith(history) || replyAt < 0) {
            return fallback; // the new messages do not simply follow the history
        }
        int replyEnd = replyAt + reply.length();
        if (!sameIgnoringWhitespace(c.text(), text.substring(0, replyEnd))) {
            return fallback;
        }
        String suffix = text.substring(replyEnd);
        int[] cont = c.tokens();
        int[] added = steps.tokenizeSuffix(suffix);
        int[] tokens = Arrays.copyOf(cont, cont.length + added.length);
        System.arraycopy(added, 0, tokens, cont.length, added.length);
        // The new text must tokenize as it does inside the whole conversation: true when it starts
        // with a special token (the end-of-turn marker), which splits tokenization; not when raw text
        // could merge across the seam or a SentencePiece space prefix would be added there.
        if (added.length > full.length
                || !Arrays.equals(added, 0, added.length, full, full.length - added.length, full.length)) {
            return fallback;
        }
        return new Plan(tokens, text, 0, true);
    }

    private static boolean sameIgnoringWhitespace(String a, String b) {
        int i = 0;
        int j = 0;
        while (true) {
            while (i < a.length() && Character.isWhitespace(a.charAt(i))) {
                i++;
            }
            while (j < b.length() && Character.isWhitespace(b.charAt(j))) {
                j++;
            }
            if (i == a.length() || j == b.length()) {
                return i == a.length() && j == b.length();
            }
            if (a.charAt(i++) != b.charAt(j++)) {
                return false;
            }
        }
    }

    /** The rendered text's tokens, with BOS unless the template already wrote it (Llama 3 does). */
    public static int[] tokenize(ChatTemplate template, Vocab vocab, String rendered) {
        String bos = template.bosToken();
        boolean addBos = vocab.addsBos() && (bos.isEmpty() || !rendered.startsWith(bos));
        return vocab.tokenize(rendered, addBos, true);
    }
}
