package io.edgenode.server.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.chat.ChatMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecollectionTest {
    static final ChatMessage SYS = new ChatMessage("system", "be brief");
    static final ChatMessage USER = new ChatMessage("user", "hi");

    @Test
    void shouldPlacePassagesRightAfterTheLeadingSystemMessages() {
        var r = new Recollection("i", List.of("a", "b"), List.of("likes tea", "two\nlines"));
        List<ChatMessage> out = r.into(List.of(SYS, SYS, USER));
        assertEquals(List.of("system", "system", "system", "user"), out.stream().map(ChatMessage::role).toList());
        assertEquals(Recollection.HEADER + "\n- likes tea\n- two\n  lines", out.get(2).content());
        List<ChatMessage> noSystem = r.into(List.of(USER));
        assertEquals("system", noSystem.getFirst().role());
        assertTrue(noSystem.getFirst().content().contains("likes tea"));
    }

    @Test
    void shouldLeaveThePromptAloneWhenNothingWasRecalled() {
        List<ChatMessage> in = List.of(SYS, USER);
        assertSame(in, new Recollection("i", List.of(), List.of()).into(in));
    }
}
