package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tool calling and structured output end to end: a real node, real llama.cpp with its grammar
 * sampler, a synthetic model with random weights (so only the grammar makes its output a call)
 * and a Hermes-style template (test resource), a real HTTP client.
 */
@Timeout(180)
class ToolCallingHttpTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String WEATHER_PARAMS = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\","
            + "\"maxLength\":12},\"unit\":{\"enum\":[\"c\",\"f\"]}},\"required\":[\"city\",\"unit\"],"
            + "\"additionalProperties\":false}";
    static final String TIME_PARAMS = "{\"type\":\"object\",\"properties\":{\"zone\":{\"type\":\"integer\","
            + "\"minimum\":-12,\"maximum\":14}},\"required\":[\"zone\"],\"additionalProperties\":false}";
    static final String TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":"
            + WEATHER_PARAMS + ",\"strict\":true}},{\"type\":\"function\",\"function\":{\"name\":\"get_time\","
            + "\"parameters\":" + TIME_PARAMS + "}}]";
    static final Map<String, Schema> SCHEMAS = Map.of(
            "get_weather", schema(WEATHER_PARAMS), "get_time", schema(TIME_PARAMS));
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        Path template = Path.of("src/test/resources/templates/hermes-tools.jinja").toAbsolutePath();
        Path data = java.nio.file.Files.createTempDirectory("tool-sessions");
        node = new TestNode(TestNode.tinyModel("tiny", 2, 4096, 32) + "    chat_template_file: " + template + "\n", "",
                io.edgenode.server.session.SessionSettings.defaults(data));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static Schema schema(String text) {
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(text, InputFormat.JSON);
    }

    static String body(boolean stream, String extra) {
        return "{\"model\":\"tiny\",\"stream\":" + stream + ",\"max_tokens\":400,\"tools\":" + TOOLS + extra
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"What is the weather in Paris?\"}]}";
    }

    static JsonNode post(String json) throws Exception {
        HttpResponse<String> r = node.post("/v1/chat/completions", json);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** Asserts every call names an offered function and its arguments are valid against its schema. */
    static void assertValidCalls(JsonNode calls) throws Exception {
        assertTrue(calls.isArray() && !calls.isEmpty(), String.valueOf(calls));
        for (JsonNode c : calls) {
            assertTrue(c.get("id").asText().length() > 0);
            assertEquals("function", c.get("type").asText());
            String name = c.at("/function/name").asText();
            assertTrue(SCHEMAS.containsKey(name), name);
            String args = c.at("/function/arguments").asText();
            assertEquals(List.of(), SCHEMAS.get(name).validate(args, InputFormat.JSON), name + " " + args);
        }
    }

    @Test
    void shouldForceValidCallsUnderRequiredAtTemperatureOne() throws Exception {
        for (int seed = 1; seed <= 12; seed++) {
            // Parallel calls: random weights may go on calling until max_tokens cuts the last call off
            // (it then stays content); every call that came out is valid.
            JsonNode b = post(body(false, ",\"tool_choice\":\"required\",\"temperature\":1.0,\"seed\":" + seed));
            JsonNode choice = b.at("/choices/0");
            assertTrue(Set.of("tool_calls", "length").contains(choice.get("finish_reason").asText()), b.toString());
            assertValidCalls(choice.at("/message/tool_calls"));
        }
    }

    @Test
    void shouldCallTheNamedFunctionExactlyOnceWithoutParallelCalls() throws Exception {
        for (int seed = 1; seed <= 6; seed++) {
            JsonNode b = post(body(false, ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}},"
                    + "\"parallel_tool_calls\":false,\"temperature\":1.0,\"seed\":" + seed));
            JsonNode calls = b.at("/choices/0/message/tool_calls");
            assertValidCalls(calls);
            assertEquals(1, calls.size(), calls.toString());
            assertEquals("get_time", calls.get(0).at("/function/name").asText());
        }
    }

    @Test
    void shouldStreamCallsThatConcatenateToTheWholeMessage() throws Exception {
        String choice = ",\"tool_choice\":\"required\",\"parallel_tool_calls\":false,\"temperature\":0";
        JsonNode whole = post(body(false, choice)).at("/choices/0");
        HttpResponse<String> r = node.post("/v1/chat/completions", body(true, choice));
        assertEquals(200, r.statusCode(), r.body());
        List<String> events = HttpNodeTest.events(r.body());
        assertEquals("[DONE]", events.getLast());
        StringBuilder content = new StringBuilder();
        Map<Integer, ObjectNode> calls = new LinkedHashMap<>();
        String finish = null;
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode c = JSON.readTree(e).at("/choices/0");
            JsonNode delta = c.get("delta");
            if (delta.hasNonNull("content")) {
                content.append(delta.get("content").asText());
            }
            for (JsonNode t : delta.path("tool_calls")) {
                int index = t.get("index").asInt();
                if (t.has("id")) { // the first delta of a call: id, type, name, empty arguments
                    assertFalse(calls.containsKey(index));
                    assertEquals("function", t.get("type").asText());
                    assertEquals("", t.at("/function/arguments").asText());
                    ObjectNode call = JSON.createObjectNode();
                    call.put("id", t.get("id").asText());
                    call.put("type", "function");
                    call.putObject("function").put("name", t.at("/function/name").asText()).put("arguments", "");
                    calls.put(index, call);
                } else { // later deltas: index and an arguments fragment only
                    assertEquals(Set.of("index", "function"), fieldNames(t));
                    assertEquals(Set.of("arguments"), fieldNames(t.get("function")));
                    ObjectNode f = (ObjectNode) calls.get(index).get("function");
                    f.put("arguments", f.get("arguments").asText() + t.at("/function/arguments").asText());
                }
            }
            if (c.hasNonNull("finish_reason")) {
                finish = c.get("finish_reason").asText();
            }
        }
        assertEquals("tool_calls", finish);
        ArrayNode streamed = JSON.createArrayNode();
        calls.values().forEach(streamed::add);
        JsonNode wholeCalls = whole.at("/message/tool_calls");
        assertEquals(wholeCalls.size(), streamed.size());
        for (int i = 0; i < streamed.size(); i++) { // ids are random per response; the rest is byte for byte
            assertEquals(wholeCalls.get(i).get("function"), streamed.get(i).get("function"));
        }
        String wholeContent = whole.at("/message/content").isNull() ? "" : whole.at("/message/content").asText();
        assertEquals(wholeContent, content.toString());
    }

    static Set<String> fieldNames(JsonNode n) {
        Set<String> names = new java.util.HashSet<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void shouldMakeNoCallUnderNone() throws Exception {
        JsonNode b = post(body(false, ",\"tool_choice\":\"none\",\"temperature\":1.0,\"seed\":3,\"max_tokens\":24"));
        JsonNode m = b.at("/choices/0/message");
        assertTrue(m.path("tool_calls").isMissingNode(), m.toString());
        assertNotNull(m.get("content").textValue());
        assertTrue(Set.of("stop", "length").contains(b.at("/choices/0/finish_reason").asText()));
    }

    @Test
    void shouldAnswerStructuredOutputThatValidatesAgainstItsSchema() throws Exception {
        String schemaText = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":10},"
                + "\"age\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":150},\"tags\":{\"type\":\"array\","
                + "\"items\":{\"enum\":[\"a\",\"b\"]},\"maxItems\":3}},\"required\":[\"name\",\"age\",\"tags\"],"
                + "\"additionalProperties\":false}";
        Schema schema = schema(schemaText);
        for (int seed = 1; seed <= 8; seed++) {
            JsonNode b = post("{\"model\":\"tiny\",\"max_tokens\":300,\"temperature\":1.0,\"seed\":" + seed
                    + ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"person\",\"strict\":true,"
                    + "\"schema\":" + schemaText + "}},\"messages\":[{\"role\":\"user\",\"content\":\"Who?\"}]}");
            assertEquals("stop", b.at("/choices/0/finish_reason").asText(), b.toString());
            String content = b.at("/choices/0/message/content").asText();
            assertEquals(List.of(), schema.validate(content, InputFormat.JSON), content);
        }
        String metrics = node.get("/metrics").body();
        var constrained = java.util.regex.Pattern.compile("edgenode_constrained_tokens_total\\{model=\"tiny\"} (\\d+)")
                .matcher(metrics);
        assertTrue(constrained.find() && Long.parseLong(constrained.group(1)) > 0, metrics);
        assertTrue(metrics.contains("edgenode_grammar_resamples_total{model=\"tiny\"}"), metrics);
        JsonNode o = post("{\"model\":\"tiny\",\"max_tokens\":300,\"temperature\":1.0,\"seed\":5,"
                + "\"response_format\":{\"type\":\"json_object\"},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        if (o.at("/choices/0/finish_reason").asText().equals("stop")) { // a long object may meet max_tokens
            assertTrue(JSON.readTree(o.at("/choices/0/message/content").asText()).isObject());
        }
    }

    @Test
    void shouldRefuseASchemaTheConverterCannotHonourNamingTheTool() throws Exception {
        String bad = "[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"x\":{\"$ref\":\"https://example.com/x.json\"}}}}}]";
        HttpResponse<String> r = node.post("/v1/chat/completions", "{\"model\":\"tiny\",\"tools\":" + bad
                + ",\"tool_choice\":\"required\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(400, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertEquals("tools[0].function.parameters", e.get("param").asText(), r.body());
        assertEquals("invalid_request_error", e.get("type").asText());
    }

    @Test
    void shouldRefuseAPatternWithoutGbnfEquivalentOnlyUnderStrict() throws Exception {
        String tool = "[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"strict\":%s,\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"pattern\":\"ab+\"}}}}}]";
        String body = "{\"model\":\"tiny\",\"max_tokens\":4,\"tools\":%s,\"tool_choice\":\"none\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        HttpResponse<String> strict = node.post("/v1/chat/completions",
                body.formatted(tool.formatted("true")).replace("\"none\"", "\"required\""));
        assertEquals(400, strict.statusCode(), strict.body());
        assertEquals("tools[0].function.parameters", JSON.readTree(strict.body()).at("/error/param").asText());
        HttpResponse<String> lenient = node.post("/v1/chat/completions",
                body.formatted(tool.formatted("false")).replace("\"none\"", "\"required\""));
        assertEquals(200, lenient.statusCode(), lenient.body());
    }

    @Test
    void shouldRenderToolCallHistoryAndAnswerAfterAToolResult() throws Exception {
        JsonNode b = post("{\"model\":\"tiny\",\"max_tokens\":8,\"temperature\":0,\"tools\":" + TOOLS
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\",\\\"unit\\\":\\\"c\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"18C\"}]}");
        assertTrue(b.at("/usage/prompt_tokens").asInt() > 40, b.toString());
        assertTrue(b.at("/choices/0/message").has("content"));
    }

    @Test
    void sessionShouldStoreACallAndItsResultAndRenderThemNextTurn() throws Exception {
        HttpResponse<String> created = node.post("/v1/sessions", "{\"model\":\"tiny\"}");
        assertEquals(200, created.statusCode(), created.body());
        String id = JSON.readTree(created.body()).get("id").asText();
        JsonNode first = post("{\"model\":\"tiny\",\"session_id\":\"" + id + "\",\"max_tokens\":300,"
                + "\"temperature\":1.0,\"seed\":4,\"tools\":" + TOOLS + ",\"tool_choice\":{\"type\":\"function\","
                + "\"function\":{\"name\":\"get_time\"}},\"messages\":[{\"role\":\"user\",\"content\":\"Time?\"}]}");
        JsonNode call = first.at("/choices/0/message/tool_calls/0");
        assertValidCalls(first.at("/choices/0/message/tool_calls"));
        assertEquals(id, first.at("/usage/session/id").asText());
        String callId = call.get("id").asText();
        JsonNode second = post("{\"model\":\"tiny\",\"session_id\":\"" + id + "\",\"max_tokens\":6,"
                + "\"temperature\":0,\"tools\":" + TOOLS + ",\"messages\":[{\"role\":\"tool\",\"tool_call_id\":\""
                + callId + "\",\"content\":\"12:00\"}]}");
        // the second turn's prompt holds the first (with its call) and the tool result
        assertTrue(second.at("/usage/prompt_tokens").asInt() > first.at("/usage/prompt_tokens").asInt());
        JsonNode s = JSON.readTree(node.get("/v1/sessions/" + id).body());
        assertEquals("tool", s.at("/turns/1/messages/0/role").asText(), s.toString());
        assertEquals(callId, s.at("/turns/1/messages/0/tool_call_id").asText());
        assertTrue(s.at("/turns/0/reply/content").asText().contains("<tool_call>"), s.toString());
    }

    @Test
    void outputPlansShouldBeLazyUnderAutoForcedOtherwiseAndCachedPerToolSet() throws Exception {
        var model = node.host.loaded("tiny").orElseThrow();
        var outputs = new io.edgenode.server.pipeline.ChatOutputs();
        java.util.function.Function<String, io.edgenode.server.openai.ToolUse> tools = choice ->
                io.edgenode.server.openai.ChatCompletionRequest.parse(("{\"model\":\"tiny\",\"tools\":" + TOOLS + choice
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)).tools();
        var text = io.edgenode.server.openai.OutputFormat.TEXT;
        var auto = outputs.plan(model, tools.apply(""), text);
        assertTrue(auto.constraint().isLazy(), auto.constraint().toString());
        assertTrue(auto.constraint().triggers().contains("<tool_call>"), auto.constraint().triggers().toString());
        assertNotNull(auto.parser());
        var required = outputs.plan(model, tools.apply(",\"tool_choice\":\"required\""), text);
        assertFalse(required.constraint().isLazy());
        var none = outputs.plan(model, tools.apply(",\"tool_choice\":\"none\""), text);
        assertTrue(none.constraint() == null && none.parser() == null);
        assertTrue(none.renderer().render(List.of(new io.edgenode.core.chat.ChatMessage("user", "x")), true)
                .contains("get_weather"), "the tools are shown even when the model may not call them");
        // the same tool set again: the grammar built and checked before is reused
        assertTrue(auto.constraint() == outputs.plan(model, tools.apply(""), text).constraint());
    }
}
