package io.edgenode.core.chat;

import java.nio.file.Path;

/** Opens the reference-template location rules of {@link ChatTemplateRealTemplatesTest} to tests in other packages. */
public final class ChatTemplateRealTemplatesTestAccess {
    private ChatTemplateRealTemplatesTestAccess() {}

    public static Path llamaSource() {
        return ChatTemplateRealTemplatesTest.llamaSource();
    }

    public static void require(boolean present, String what) {
        ChatTemplateRealTemplatesTest.require(present, what);
    }
}
