package io.edgenode.server.openai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.Usage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What clients read: OpenAI's objects field by field, and SSE framing. */
class OpenAiEncoderTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final OpenAiEncoder ENC = new OpenAiEncoder();
    static final String ID = "chatcmpl-abc123";
    static final long CREATED = 1_700_000_000L;
    static final Usage USAGE = new Usage(12, 8, 5, 1_000, 2_000, 3_000, 42.0);

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static JsonNode read(byte[] json) throws Exception {
        return JSON.readTree(json);
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static void assertHead(JsonNode o, String id, String object, String fingerprint) {
        assertEquals(id, o.get("id").textValue());
        assertEquals(object, o.get("object").textValue());
        assertEquals(CREATED, o.get("created").longValue());
        assertTrue(o.get("created").isIntegralNumber());
        assertEquals("qwen", o.get("model").textValue());
        if (fingerprint == null) {
            assertTrue(o.get("system_fingerprint").isNull());
        } else {
            assertEquals(fingerprint, o.get("system_fingerprint").textValue());
        }
    }

    static void assertUsage(JsonNode u) {
        assertEquals(List.of("prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details"),
                fieldNames(u));
        assertEquals(12, u.get("prompt_tokens").intValue());
        assertEquals(5, u.get("completion_tokens").intValue());
        assertEquals(17, u.get("total_tokens").intValue());
        assertEquals(8, u.get("prompt_tokens_details").get("cached_tokens").intValue());
    }

    @Test
    void shouldWriteAChatCompletion() throws Exception {
        JsonNode o = read(ENC.chatCompletion(ID, CREATED, "qwen", "fp_1", "Hello \"world\"\n😀", FinishReason.STOP,
                USAGE));
        assertEquals(List.of("id", "object", "created", "model", "system_fingerprint", "choices", "usage"),
                fieldNames(o));
        assertHead(o, ID, "chat.completion", "fp_1");
        assertEquals(1, o.get("choices").size());
        JsonNode c = o.get("choices").get(0);
        assertEquals(List.of("index", "message", "logprobs", "finish_reason"), fieldNames(c));
        assertEquals(0, c.get("index").intValue());
        assertEquals("assistant", c.get("message").get("role").textValue());
        assertEquals("Hello \"world\"\n😀", c.get("message").get("content").textValue());
        assertTrue(c.get("logprobs").isNull());
        assertEquals("stop", c.get("finish_reason").textValue());
        assertUsage(o.get("usage"));
    }

    @Test
    void shouldWriteChunksExactlyAsOpenAiDoes() {
        String head = "{\"id\":\"chatcmpl-abc123\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"qwen\",\"system_fingerprint\":\"fp_1\",\"choices\":";
        assertEquals(head + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
                + "\"finish_reason\":null}]}", text(ENC.chatChunkRole(ID, CREATED, "qwen", "fp_1")));
        assertEquals(head + "[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"logprobs\":null,\"finish_reason\":null}]}",
                text(ENC.chatChunkContent(ID, CREATED, "qwen", "fp_1", "Hi")));
        assertEquals(head + "[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"length\"}]}",
                text(ENC.chatChunkFinish(ID, CREATED, "qwen", "fp_1", FinishReason.LENGTH)));
        assertEquals(head + "[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":8}}}",
                text(ENC.chatChunkUsage(ID, CREATED, "qwen", "fp_1", USAGE)));
    }

    @Test
    void shouldReadBackChunksFieldByField() throws Exception {
        JsonNode role = read(ENC.chatChunkRole(ID, CREATED, "qwen", null));
        assertHead(role, ID, "chat.completion.chunk", null);
        JsonNode d = role.get("choices").get(0).get("delta");
        assertEquals("assistant", d.get("role").textValue());
        assertEquals("", d.get("content").textValue());

        JsonNode content = read(ENC.chatChunkContent(ID, CREATED, "qwen", null, "tab\there \\ \u0001"));
        JsonNode c = content.get("choices").get(0);
        assertEquals(List.of("content"), fieldNames(c.get("delta")));
        assertEquals("tab\there \\ \u0001", c.get("delta").get("content").textValue());
        assertTrue(c.get("finish_reason").isNull());

        JsonNode finish = read(ENC.chatChunkFinish(ID, CREATED, "qwen", null, FinishReason.STOP));
        assertEquals(0, finish.get("choices").get(0).get("delta").size());
        assertEquals("stop", finish.get("choices").get(0).get("finish_reason").textValue());

        JsonNode usage = read(ENC.chatChunkUsage(ID, CREATED, "qwen", null, USAGE));
        assertHead(usage, ID, "chat.completion.chunk", null);
        assertTrue(usage.get("choices").isArray());
        assertEquals(0, usage.get("choices").size());
        assertUsage(usage.get("usage"));
    }

    @Test
    void shouldNeverSendOurOwnFinishReasons() {
        assertEquals("stop", OpenAiEncoder.finishReason(FinishReason.STOP));
        assertEquals("length", OpenAiEncoder.finishReason(FinishReason.LENGTH));
        assertEquals("stop", OpenAiEncoder.finishReason(FinishReason.CANCELLED));
        assertEquals("stop", OpenAiEncoder.finishReason(FinishReason.ERROR));
        assertTrue(text(ENC.chatChunkFinish(ID, CREATED, "qwen", "f", FinishReason.CANCELLED))
                .contains("\"finish_reason\":\"stop\""));
    }

    @Test
    void shouldWriteTextCompletions() throws Exception {
        JsonNode o = read(ENC.textCompletion("cmpl-1", CREATED, "qwen", "fp", " there was", FinishReason.LENGTH,
                USAGE));
        assertEquals(List.of("id", "object", "created", "model", "system_fingerprint", "choices", "usage"),
                fieldNames(o));
        assertHead(o, "cmpl-1", "text_completion", "fp");
        JsonNode c = o.get("choices").get(0);
        assertEquals(List.of("text", "index", "logprobs", "finish_reason"), fieldNames(c));
        assertEquals(" there was", c.get("text").textValue());
        assertEquals(0, c.get("index").intValue());
        assertTrue(c.get("logprobs").isNull());
        assertEquals("length", c.get("finish_reason").textValue());
        assertUsage(o.get("usage"));

        assertEquals("{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1700000000,\"model\":\"qwen\","
                + "\"system_fingerprint\":\"fp\",\"choices\":[{\"text\":\" a\",\"index\":0,\"logprobs\":null,"
                + "\"finish_reason\":null}]}", text(ENC.textChunk("cmpl-1", CREATED, "qwen", "fp", " a", null)));
        JsonNode last = read(ENC.textChunk("cmpl-1", CREATED, "qwen", "fp", "", FinishReason.STOP));
        assertEquals("stop", last.get("choices").get(0).get("finish_reason").textValue());
        assertTrue(last.get("usage") == null);

        JsonNode usage = read(ENC.textChunkUsage("cmpl-1", CREATED, "qwen", "fp", USAGE));
        assertHead(usage, "cmpl-1", "text_completion", "fp");
        assertEquals(0, usage.get("choices").size());
        assertUsage(usage.get("usage"));
    }

    @Test
    void shouldListModels() throws Exception {
        List<ModelInfo> models = List.of(new ModelInfo("qwen2.5-0.5b", 1_700_000_001L, "edgenode"),
                new ModelInfo("llama-3.2-1b", 1_700_000_002L, "edgenode"));
        assertEquals("{\"object\":\"list\",\"data\":[{\"id\":\"qwen2.5-0.5b\",\"object\":\"model\",\"created\":"
                + "1700000001,\"owned_by\":\"edgenode\"},{\"id\":\"llama-3.2-1b\",\"object\":\"model\",\"created\":"
                + "1700000002,\"owned_by\":\"edgenode\"}]}", text(ENC.models(models)));
        assertEquals("{\"object\":\"list\",\"data\":[]}", text(ENC.models(List.of())));
        JsonNode one = read(ENC.model(models.get(1)));
        assertEquals(List.of("id", "object", "created", "owned_by"), fieldNames(one));
        assertEquals("llama-3.2-1b", one.get("id").textValue());
    }

    @Test
    void shouldFrameServerSentEvents() throws Exception {
        byte[] json = ENC.chatChunkContent(ID, CREATED, "qwen", "fp", "x");
        byte[] event = OpenAiEncoder.sse(json);
        assertEquals("data: " + text(json) + "\n\n", text(event));
        assertEquals("data: [DONE]\n\n", new String(OpenAiEncoder.DONE, StandardCharsets.US_ASCII));
        // One event per chunk: the JSON holds no raw newline, even for text full of them.
        String multi = text(OpenAiEncoder.sse(ENC.chatChunkContent(ID, CREATED, "qwen", "fp", "a\nb\r\n\nc")));
        assertEquals(multi.length() - 2, multi.indexOf("\n\n"));
        assertEquals(2, multi.chars().filter(ch -> ch == '\n').count());
    }

    @Test
    void shouldSendErrorsInBand() throws Exception {
        ApiError e = ApiError.serverError("llama_decode failed");
        byte[] event = ENC.sseError(e);
        assertArrayEquals(OpenAiEncoder.sse(e.toJson()), event);
        String s = text(event);
        assertTrue(s.startsWith("data: {\"error\":{") && s.endsWith("}}\n\n"), s);
        JsonNode err = read(s.substring("data: ".length()).getBytes(StandardCharsets.UTF_8)).get("error");
        assertEquals("llama_decode failed", err.get("message").textValue());
        assertEquals("server_error", err.get("type").textValue());
        assertTrue(err.get("param").isNull());
        assertTrue(err.get("code").isNull());
    }

    @Test
    void shouldWriteToolCallsInTheMessageWithNullContentAndTheirFinishReason() throws Exception {
        var calls = List.of(new io.edgenode.core.chat.ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"),
                new io.edgenode.core.chat.ToolCall("call_2", "get_time", "{}"));
        JsonNode o = read(ENC.chatCompletion(ID, CREATED, "qwen", null, null, calls, FinishReason.STOP, USAGE, null,
                null));
        JsonNode m = o.get("choices").get(0).get("message");
        assertEquals(List.of("role", "content", "tool_calls"), fieldNames(m));
        assertTrue(m.get("content").isNull());
        assertEquals("{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}", m.get("tool_calls").get(0).toString());
        assertEquals("call_2", m.get("tool_calls").get(1).get("id").textValue());
        assertEquals("tool_calls", o.get("choices").get(0).get("finish_reason").textValue());
        // a cut message keeps length; a message without calls keeps stop
        assertEquals("length", read(ENC.chatCompletion(ID, CREATED, "qwen", null, "x", calls, FinishReason.LENGTH,
                USAGE, null, null)).get("choices").get(0).get("finish_reason").textValue());
        assertEquals("stop", read(ENC.chatCompletion(ID, CREATED, "qwen", null, "x", List.of(), FinishReason.STOP,
                USAGE, null, null)).get("choices").get(0).get("finish_reason").textValue());
    }

    @Test
    void shouldStreamToolCallsAsOpenAiDoes() throws Exception {
        JsonNode first = read(ENC.chatChunkToolCallStart(ID, CREATED, "qwen", null, 1, "call_9", "get_time"));
        assertHead(first, ID, "chat.completion.chunk", null);
        JsonNode choice = first.get("choices").get(0);
        assertEquals("{\"tool_calls\":[{\"index\":1,\"id\":\"call_9\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_time\",\"arguments\":\"\"}}]}", choice.get("delta").toString());
        assertTrue(choice.get("finish_reason").isNull());
        JsonNode later = read(ENC.chatChunkToolCallArguments(ID, CREATED, "qwen", null, 1, "{\"tz\":"));
        assertEquals("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{\\\"tz\\\":\"}}]}",
                later.get("choices").get(0).get("delta").toString());
        assertEquals("tool_calls", read(ENC.chatChunkFinish(ID, CREATED, "qwen", null, FinishReason.STOP, true))
                .get("choices").get(0).get("finish_reason").textValue());
    }
}
