package io.edgenode.server.openai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.core.engine.FinishReason;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The per-token path writes exactly what the generator writes, for any text. */
class ContentChunkEncoderTest {
    static final OpenAiEncoder ENC = new OpenAiEncoder();

    static final List<String> TRICKY = List.of("", "a", "Hello", " world", "\"", "\\", "/", "\n", "\r\n", "\t",
            "\b\f", "\u0000", "\u0001\u001f", "\u007f", "é", "ß", "中文", "😀", "👩‍👩‍👧", "\u2028\u2029", "\ufeff",
            "\uffff", "\ud800", "\udc00", "x\ud83d", "\ud83dx", "\ude00\ud83d", "\ud83d\ude00\ud83d",
            "data: [DONE]\n\n", "<|im_end|>");

    static void assertSameBytes(String id, String model, String fp, String delta) {
        ContentChunkEncoder chat = ENC.chatContentChunks(id, 1, model, fp);
        assertArrayEquals(OpenAiEncoder.sse(ENC.chatChunkContent(id, 1, model, fp, delta)), chat.sse(delta),
                () -> "chat, delta " + escape(delta));
        ContentChunkEncoder text = ENC.textContentChunks(id, 1, model, fp);
        assertArrayEquals(OpenAiEncoder.sse(ENC.textChunk(id, 1, model, fp, delta, null)), text.sse(delta),
                () -> "text, delta " + escape(delta));
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.chars().forEach(c -> b.append(String.format("\\u%04x", c)));
        return b.toString();
    }

    @Test
    void shouldMatchTheGeneratorOnTrickyText() {
        for (String delta : TRICKY) {
            assertSameBytes("chatcmpl-1", "qwen", "fp_1", delta);
        }
    }

    @Test
    void shouldFindTheTextSlotWhateverTheConstantFieldsHold() {
        // The model and id may themselves hold the sentinel, quotes or non-ASCII.
        for (String delta : TRICKY) {
            assertSameBytes("id-\u0000\"", "m\u0000odel-😀", null, delta);
            assertSameBytes("\u0000", "\u0000", "\u0000", delta);
        }
    }

    @Test
    void shouldMatchTheGeneratorOnRandomText() {
        Random rnd = new Random(20261123);
        char[] buf = new char[24];
        for (int i = 0; i < 3_000; i++) {
            int len = rnd.nextInt(buf.length);
            for (int j = 0; j < len; j++) {
                buf[j] = switch (rnd.nextInt(6)) {
                    case 0 -> (char) rnd.nextInt(0x20);
                    case 1 -> (char) (0x20 + rnd.nextInt(0x60));
                    case 2 -> (char) (0x80 + rnd.nextInt(0x780));
                    case 3 -> (char) (0xD800 + rnd.nextInt(0x800)); // surrogates, paired or not
                    case 4 -> (char) (0x800 + rnd.nextInt(0xD000));
                    default -> (char) (0xE000 + rnd.nextInt(0x2000));
                };
            }
            assertSameBytes("chatcmpl-r", "m", "fp", new String(buf, 0, len));
        }
    }

    @Test
    void shouldProduceParsableEventsWithTheText() throws Exception {
        ContentChunkEncoder chat = ENC.chatContentChunks("chatcmpl-9", 5, "qwen", "fp");
        byte[] event = chat.sse("Bonjour 😀\n");
        String s = new String(event, StandardCharsets.UTF_8);
        assertEquals("data: ", s.substring(0, 6));
        assertEquals("\n\n", s.substring(s.length() - 2));
        var node = new ObjectMapper().readTree(s.substring(6, s.length() - 2));
        assertEquals("Bonjour 😀\n", node.get("choices").get(0).get("delta").get("content").textValue());
        assertEquals("chat.completion.chunk", node.get("object").textValue());
        // The finish chunk after the content chunks is a plain chunk of the same stream.
        assertEquals("stop", new ObjectMapper().readTree(ENC.chatChunkFinish("chatcmpl-9", 5, "qwen", "fp",
                FinishReason.STOP)).get("choices").get(0).get("finish_reason").textValue());
    }
}
