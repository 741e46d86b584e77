package io.edgenode.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Rendering a session's state into its system prompt. */
class StatePromptTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode state() throws Exception {
        return JSON.readTree("""
                {"user":{"name":"Ada","age":36,"tags":["math","engines"],"nick":null},"score":1.5,"ok":true}""");
    }

    @Test
    void shouldReturnAPromptWithoutPlaceholdersUnchanged() throws Exception {
        String prompt = "You are terse. {{ not ours }} {{stateful}}";

        assertSame(prompt, StatePrompt.render(prompt, state()));
        assertFalse(StatePrompt.usesState(prompt));
        assertNull(StatePrompt.render(null, state()));
    }

    @Test
    void shouldInsertAStringRawAndOtherValuesAsCompactJson() throws Exception {
        assertEquals("Hi Ada (36), tags [\"math\",\"engines\"], user {\"name\":\"Ada\",\"age\":36,"
                        + "\"tags\":[\"math\",\"engines\"],\"nick\":null}, score 1.5, ok true, nick null.",
                StatePrompt.render("Hi {{state.user.name}} ({{state.user.age}}), tags {{state.user.tags}},"
                        + " user {{state.user}}, score {{state.score}}, ok {{state.ok}}, nick {{state.user.nick}}.",
                        state()));
    }

    @Test
    void shouldRenderTheWholeDocument() throws Exception {
        assertEquals("State: {\"a\":{\"b\":[1,2]}}",
                StatePrompt.render("State: {{state}}", JSON.readTree("{ \"a\" : { \"b\" : [ 1, 2 ] } }")));
    }

    @Test
    void shouldRenderAMissingPathAsNothing() throws Exception {
        assertEquals("[][][][]", StatePrompt.render(
                "[{{state.nobody}}][{{state.user.name.first}}][{{state.user.tags.7}}][{{state.score.x}}]", state()));
    }

    @Test
    void shouldIndexArraysAndAllowSpacesInsideTheBraces() throws Exception {
        assertTrue(StatePrompt.usesState("{{ state.user.name }}"));
        assertEquals("engines by Ada", StatePrompt.render("{{state.user.tags.1}} by {{ state.user.name }}", state()));
    }

    @Test
    void shouldKeepOtherBracesAroundPlaceholders() throws Exception {
        assertEquals("{{ raw }} Ada {{ x }} {{ unclosed",
                StatePrompt.render("{{ raw }} {{state.user.name}} {{ x }} {{ unclosed", state()));
    }
}
