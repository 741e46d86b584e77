package io.edgenode.server.memory;

import io.edgenode.core.chat.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a chat request's {@code memory} retrieved: the ids of the matching vectors that hold a
 * passage ({@code metadata.text}), closest first, and those passages. Immutable.
 *
 * <p>Where the passages go ({@link #into}): one system message right after the conversation's
 * leading system message(s), or first when there is none, so the model reads them as context set
 * up before the conversation and the client's own system prompt keeps its place.
 */
public record Recollection(String index, List<String> ids, List<String> passages) {
    static final String HEADER = "Relevant memories (retrieved for this conversation, closest first):";

    public Recollection {
        Objects.requireNonNull(index, "index");
        ids = List.copyOf(ids);
        passages = List.copyOf(passages);
        if (ids.size() != passages.size()) {
            throw new IllegalArgumentException(ids.size() + " ids but " + passages.size() + " passages");
        }
    }

    /** {@code messages} with the passages as a system message after the leading system messages (unchanged when none). */
    public List<ChatMessage> into(List<ChatMessage> messages) {
        if (passages.isEmpty()) {
            return messages;
        }
        StringBuilder text = new StringBuilder(HEADER);
        for (String p : passages) {
            text.append("\n- ").append(p.replace("\n", "\n  "));
        }
        int at = 0;
        while (at < messages.size() && messages.get(at).role().equals("system")) {
            at++;
        }
        List<ChatMessage> out = new ArrayList<>(messages.size() + 1);
        out.addAll(messages.subList(0, at));
        out.add(new ChatMessage("system", text.toString()));
        out.addAll(messages.subList(at, messages.size()));
        return out;
    }
}
