package io.edgenode.core.chat.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.chat.ChatMessage;
import io.edgenode.core.chat.ChatTemplate;
import io.edgenode.core.chat.ToolCall;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generic format's prompt side, on a template that knows nothing of tools (the ChatML fallback). */
class GenericFormatTest {

    static final List<ChatMessage> HISTORY = List.of(new ChatMessage("system", "Be brief."),
            new ChatMessage("user", "Weather in Paris?"),
            ChatMessage.assistantCalls(null, List.of(new ToolCall("c1", "get_weather", "{\"location\": \"Paris\"}"))),
            ChatMessage.toolResult("c1", "21 C"));

    @Test
    void shouldDescribeTheToolsAndShowHistoryAsTheJsonToAnswerWith() {
        String prompt = new GenericFormat().prompt(ChatTemplate.fallback("", ""), HISTORY,
                List.of(ToolFixtures.tool("get_weather")), true);
        assertTrue(prompt.startsWith("<|im_start|>system\nBe brief.\n\nYou can call these tools:\n"), prompt);
        assertTrue(prompt.contains("\"name\" : \"get_weather\""), prompt);
        assertTrue(prompt.contains("<|im_start|>assistant\n{\"tool_calls\":[{\"name\":\"get_weather\",\"arguments\":{\"location\":\"Paris\"}}]}<|im_end|>"), prompt);
        assertTrue(prompt.contains("<|im_start|>user\n{\"tool_response\":{\"tool\":\"get_weather\",\"content\":\"21 C\"}}<|im_end|>"), prompt);
        assertTrue(prompt.endsWith("<|im_start|>assistant\n"), prompt);
    }

    @Test
    void shouldReadBackTheHistorysCallJson() {
        ToolCallParser parser = new GenericFormat().newParser(List.of(ToolFixtures.tool("get_weather")), ToolCallIds.counting("x"));
        parser.feed("{\"tool_calls\":[{\"name\":\"get_weather\",\"arguments\":{\"location\":\"Paris\"}}]}");
        parser.finish();
        assertEquals(List.of(new ToolCall("x0", "get_weather", "{\"location\":\"Paris\"}")), parser.result().toolCalls());
    }
}
