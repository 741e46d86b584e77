package io.edgenode.core.chat;

import java.util.List;
import java.util.Set;

/** Opens {@link ChatTemplateToolsTest}'s fixtures to tests in other packages. */
public final class ChatTemplateToolsTestAccess {
    private ChatTemplateToolsTestAccess() {}

    /** A question, a call, its result and the answer. */
    public static List<ChatMessage> history() {
        return ChatTemplateToolsTest.HISTORY;
    }

    /** Reference templates that need Jinja features JinjavaAdapter lacks. */
    public static Set<String> jinjavaGaps() {
        return ChatTemplateToolsTest.JINJAVA_GAPS;
    }
}
