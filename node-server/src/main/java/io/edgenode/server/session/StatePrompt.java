package io.edgenode.server.session;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * Renders a session's state into its system prompt. Stateless and pure.
 *
 * <p>Placeholders: {@code {{state}}} is the whole document as compact JSON; {@code {{state.a.b}}} is the value at a
 * dotted path (an array element by its index: {@code {{state.items.0}}}): a string is inserted as its raw text, any
 * other value as compact JSON, and a missing path as nothing. Spaces inside the braces are allowed
 * ({@code {{ state.user.name }}}). Any other {@code {{...}}} text is left as it is: system prompts are the user's
 * text, and a chat template's own syntax in them must survive.
 *
 * <p>The rendered text is what the model sees, so a turn after a state change renders a different system prompt:
 * the stored continuation no longer matches the conversation and {@link SessionPrompt} tokenizes it whole (the KV
 * before the change point is still reused by prefix matching). While the state is unchanged the text is the same
 * and the exact ids continue.
 */
public final class StatePrompt {
    private static final String OPEN = "{{";
    private static final String CLOSE = "}}";
    private static final String STATE = "state";

    private StatePrompt() {}

    /** Whether {@code systemPrompt} may hold a state placeholder; when false, rendering returns it unchanged. */
    public static boolean usesState(String systemPrompt) {
        return systemPrompt != null && systemPrompt.contains("{{") && containsPlaceholder(systemPrompt);
    }

    /** {@code systemPrompt} (nullable) with every state placeholder replaced from {@code state}. */
    public static String render(String systemPrompt, JsonNode state) {
        Objects.requireNonNull(state, "state");
        if (!usesState(systemPrompt)) {
            return systemPrompt; // the common case: nothing to parse, nothing to copy
        }
        StringBuilder out = new StringBuilder(systemPrompt.length() + 64);
        int from = 0;
        while (true) {
            int open = systemPrompt.indexOf(OPEN, from);
            int close = open < 0 ? -1 : systemPrompt.indexOf(CLOSE, open + OPEN.length());
            if (close < 0) {
                break;
            }
            String path = path(systemPrompt.substring(open + OPEN.length(), close));
            if (path == null) {
                out.append(systemPrompt, from, open + OPEN.length()); // not ours: keep it, look after its "{{"
                from = open + OPEN.length();
                continue;
            }
            out.append(systemPrompt, from, open);
            out.append(value(state, path));
            from = close + CLOSE.length();
        }
        return out.append(systemPrompt, from, systemPrompt.length()).toString();
    }

    private static boolean containsPlaceholder(String s) {
        int from = 0;
        while (true) {
            int open = s.indexOf(OPEN, from);
            int close = open < 0 ? -1 : s.indexOf(CLOSE, open + OPEN.length());
            if (close < 0) {
                return false;
            }
            if (path(s.substring(open + OPEN.length(), close)) != null) {
                return true;
            }
            from = open + OPEN.length();
        }
    }

    /** The dotted path of a placeholder's inside ("" for the whole document), or null when it is not a state one. */
    private static String path(String inside) {
        String name = inside.strip();
        if (name.equals(STATE)) {
            return "";
        }
        if (name.startsWith(STATE + ".") && name.length() > STATE.length() + 1) {
            return name.substring(STATE.length() + 1);
        }
        return null;
    }

    private static String value(JsonNode state, String path) {
        JsonNode node = state;
        if (!path.isEmpty()) {
            for (String segment : path.split("\\.", -1)) {
                node = child(node, segment);
                if (node == null) {
                    return "";
                }
            }
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        return node.toString(); // Jackson writes a tree's toString as compact JSON
    }

    private static JsonNode child(JsonNode node, String segment) {
        if (node.isObject()) {
            return node.get(segment);
        }
        if (node.isArray() && !segment.isEmpty() && segment.length() < 10 && segment.chars().allMatch(Character::isDigit)) {
            return node.get(Integer.parseInt(segment));
        }
        return null;
    }
}
