package io.edgenode.store.synth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChatTemplatesTest {

    @Test
    void shouldUsePlainTextRoleMarkers() {
        String t = ChatTemplates.PLAIN_ROLES;
        for (String marker : new String[] {"SYSTEM: ", "USER: ", "ASSISTANT: ", "</s>", "add_generation_prompt"}) {
            assertTrue(t.contains(marker), marker);
        }
        assertFalse(t.contains("<|"), "the byte vocabulary has no special role tokens");
    }

    @Test
    void shouldUseLlama3HeaderTokens() {
        String t = ChatTemplates.LLAMA_3;
        for (String marker : new String[] {"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>",
                "<|start_header_id|>assistant<|end_header_id|>", "add_generation_prompt"}) {
            assertTrue(t.contains(marker), marker);
        }
    }

    @Test
    void shouldAvoidConstructsJinjaEnginesDisagreeOn() {
        for (String t : new String[] {ChatTemplates.PLAIN_ROLES, ChatTemplates.LLAMA_3}) {
            assertFalse(t.contains("\\"), "no string escapes");
            assertFalse(t.endsWith("\n"), "no trailing newline (keep_trailing_newline differs)");
        }
    }
}
