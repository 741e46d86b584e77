package io.edgenode.core.chat.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Work linear in the output, and call ids. */
class ToolCallParserScaleTest {

    @Test
    void shouldParseALongOutputFedOneCharacterAtATimeInLinearTime() {
        // 400k characters of content with marker-like text, then a call with 200k characters of arguments.
        // Re-scanning the text per token would be ~10^11 steps; linear is milliseconds.
        StringBuilder content = new StringBuilder();
        while (content.length() < 400_000) {
            content.append("text <tool and <tool_ca more \n ");
        }
        StringBuilder args = new StringBuilder("{\"location\": \"");
        while (args.length() < 200_000) {
            args.append("abc\\\"}{[");
        }
        args.append("\"}");
        String output = content + "<tool_call>{\"name\": \"get_weather\", \"arguments\": " + args + "}</tool_call>";
        ToolCallParser parser = new HermesFormat().newParser(List.of(ToolFixtures.tool("get_weather")));
        long start = System.nanoTime();
        for (int i = 0; i < output.length(); i++) {
            parser.feed(String.valueOf(output.charAt(i)));
        }
        parser.finish();
        long millis = (System.nanoTime() - start) / 1_000_000;
        ParsedMessage m = parser.result();
        assertEquals(1, m.toolCalls().size());
        assertEquals(args.toString(), m.toolCalls().get(0).arguments());
        assertEquals(content.toString().stripTrailing(), m.content());
        assertTrue(millis < 20_000, "took " + millis + " ms");
    }

    @Test
    void shouldGiveDistinctIdsInTheShapesClientsExpect() {
        Supplier<String> openAi = ToolCallIds.random();
        Supplier<String> mistral = ToolCallIds.randomNine();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String a = openAi.get();
            String b = mistral.get();
            assertTrue(a.matches("call_[A-Za-z0-9]{24}"), a);
            assertTrue(b.matches("[A-Za-z0-9]{9}"), b);
            assertTrue(seen.add(a) && seen.add(b));
        }
        Supplier<String> counting = ToolCallIds.counting("t");
        assertEquals(List.of("t0", "t1"), List.of(counting.get(), counting.get()));
    }
}
