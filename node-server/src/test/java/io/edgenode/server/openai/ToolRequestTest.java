package io.edgenode.server.openai;

import static io.edgenode.server.openai.ChatCompletionRequestTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.chat.ChatMessage;
import io.edgenode.core.chat.ToolCall;
import io.edgenode.core.chat.tools.ToolChoice;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Tools, tool choice, tool-call history and {@code response_format}: what is read, and each 400 with its param. */
class ToolRequestTest {
    static final String WEATHER = "{'type':'function','function':{'name':'get_weather','description':'Weather',"
            + "'parameters':{'type':'object','properties':{'city':{'type':'string'}},'required':['city']},"
            + "'strict':true}}";
    static final String TIME = "{'type':'function','function':{'name':'get_time'}}";

    static byte[] with(String extra) {
        return ChatCompletionRequestTest.with(extra);
    }

    static byte[] tools(String extra) {
        return with("'tools':[" + WEATHER + "," + TIME + "]" + (extra.isEmpty() ? "" : "," + extra));
    }

    static byte[] history(String... messages) {
        return json("{'model':'m','messages':[{'role':'user','content':'hi'}," + String.join(",", messages) + "]}");
    }

    @Test
    void shouldReadToolsWithTheirSchemasAndDefaults() {
        ChatCompletionRequest r = ChatCompletionRequest.parse(tools(""));
        ToolUse t = r.tools();
        assertEquals(2, t.tools().size());
        assertEquals("get_weather", t.tools().get(0).name());
        assertEquals("Weather", t.tools().get(0).description());
        assertTrue(t.tools().get(0).strict());
        assertEquals("string", t.tools().get(0).parameters().at("/properties/city/type").textValue());
        // a function without parameters takes an empty object; description defaults to ""
        assertEquals("{\"type\":\"object\",\"properties\":{}}", t.tools().get(1).parameters().toString());
        assertEquals("", t.tools().get(1).description());
        assertFalse(t.tools().get(1).strict());
        assertEquals(ToolChoice.AUTO, t.choice());
        assertTrue(t.parallel());
        assertEquals(OutputFormat.TEXT, r.responseFormat());
    }

    @Test
    void shouldReadEveryToolChoice() {
        assertEquals(ToolChoice.NONE, ChatCompletionRequest.parse(tools("'tool_choice':'none'")).tools().choice());
        assertEquals(ToolChoice.AUTO, ChatCompletionRequest.parse(tools("'tool_choice':'auto'")).tools().choice());
        assertEquals(ToolChoice.REQUIRED,
                ChatCompletionRequest.parse(tools("'tool_choice':'required'")).tools().choice());
        assertEquals(new ToolChoice.Named("get_time"), ChatCompletionRequest.parse(
                tools("'tool_choice':{'type':'function','function':{'name':'get_time'}}")).tools().choice());
        assertFalse(ChatCompletionRequest.parse(tools("'parallel_tool_calls':false")).tools().parallel());
        assertFalse(ChatCompletionRequest.parse(tools("'tool_choice':'none'")).tools().callsAllowed());
    }

    @Test
    void shouldTakeNoToolsAsNone() {
        assertNull(ChatCompletionRequest.parse(with("'tools':[]")).tools());
        assertNull(ChatCompletionRequest.parse(with("'tools':null,'tool_choice':'none'")).tools());
    }

    @Test
    void shouldReadToolCallHistory() {
        ChatCompletionRequest r = ChatCompletionRequest.parse(history(
                "{'role':'assistant','content':null,'tool_calls':[{'id':'call_1','type':'function',"
                        + "'function':{'name':'get_weather','arguments':'{\\\"city\\\":\\\"Paris\\\"}'}}]}",
                "{'role':'tool','tool_call_id':'call_1','content':[{'type':'text','text':'18C'}]}",
                "{'role':'assistant','content':'It is 18C.','tool_calls':[]}"));
        assertEquals(List.of(
                new ChatMessage("user", "hi"),
                ChatMessage.assistantCalls(null, List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))),
                ChatMessage.toolResult("call_1", "18C"),
                new ChatMessage("assistant", "It is 18C.")), r.messages());
    }

    @Test
    void shouldReadEveryResponseFormat() {
        assertEquals(OutputFormat.TEXT,
                ChatCompletionRequest.parse(with("'response_format':{'type':'text'}")).responseFormat());
        assertInstanceOf(OutputFormat.JsonObject.class,
                ChatCompletionRequest.parse(with("'response_format':{'type':'json_object'}")).responseFormat());
        var s = assertInstanceOf(OutputFormat.JsonSchema.class, ChatCompletionRequest.parse(with(
                "'response_format':{'type':'json_schema','json_schema':{'name':'point','strict':true,"
                        + "'schema':{'type':'object','properties':{'x':{'type':'integer'}}}}}")).responseFormat());
        assertEquals("point", s.name());
        assertTrue(s.strict());
        assertEquals("integer", s.schema().at("/properties/x/type").textValue());
        var any = assertInstanceOf(OutputFormat.JsonSchema.class, ChatCompletionRequest.parse(with(
                "'response_format':{'type':'json_schema','json_schema':{'name':'any'}}")).responseFormat());
        assertEquals("{}", any.schema().toString());
        // a structured answer with tools the model may not call is fine
        assertInstanceOf(OutputFormat.JsonObject.class, ChatCompletionRequest.parse(
                tools("'tool_choice':'none','response_format':{'type':'json_object'}")).responseFormat());
    }

    static Stream<Arguments> badRequests() {
        String f = "{'type':'function','function':";
        return Stream.of(
                // tools
                bad(with("'tools':{}"), "tools", "invalid_type", "expected an array"),
                bad(with("'tools':['f']"), "tools[0]", "invalid_type", "expected an object"),
                bad(with("'tools':[{'function':{'name':'f'}}]"), "tools[0].type", "missing_required_parameter", ""),
                bad(with("'tools':[{'type':'retrieval','function':{'name':'f'}}]"), "tools[0].type",
                        "unsupported_value", "Only 'function' tools"),
                bad(with("'tools':[{'type':'function'}]"), "tools[0].function", "missing_required_parameter", ""),
                bad(with("'tools':[{'type':'function','function':'f'}]"), "tools[0].function", "invalid_type", ""),
                bad(with("'tools':[" + f + "{}}]"), "tools[0].function.name", "missing_required_parameter", ""),
                bad(with("'tools':[" + f + "{'name':7}}]"), "tools[0].function.name", "invalid_type", ""),
                bad(with("'tools':[" + f + "{'name':''}}]"), "tools[0].function.name", "invalid_value", "pattern"),
                bad(with("'tools':[" + f + "{'name':'get weather'}}]"), "tools[0].function.name", "invalid_value",
                        "pattern"),
                bad(with("'tools':[" + f + "{'name':'" + "n".repeat(65) + "'}}]"), "tools[0].function.name",
                        "invalid_value", "pattern"),
                bad(with("'tools':[" + f + "{'name':'f.g'}}]"), "tools[0].function.name", "invalid_value", "pattern"),
                bad(with("'tools':[" + f + "{'name':'f'}}," + f + "{'name':'f'}}]"), "tools[1].function.name", null,
                        "Duplicate function name 'f'"),
                bad(with("'tools':[" + f + "{'name':'f','parameters':'{}'}}]"), "tools[0].function.parameters",
                        "invalid_type", "expected an object"),
                bad(with("'tools':[" + f + "{'name':'f','parameters':[]}}]"), "tools[0].function.parameters",
                        "invalid_type", "expected an object"),
                bad(with("'tools':[" + f + "{'name':'f','strict':'yes'}}]"), "tools[0].function.strict",
                        "invalid_type", "expected a boolean"),
                bad(with("'tools':[" + f + "{'name':'f','description':3}}]"), "tools[0].function.description",
                        "invalid_type", "expected a string"),
                bad(with("'tools':[" + String.join(",", java.util.Collections.nCopies(129, TIME)) + "]"), "tools",
                        "array_above_max_length", "maximum length 128"),
                // tool_choice
                bad(with("'tool_choice':'auto'"), "tool_choice", null, "only allowed when 'tools' are specified"),
                bad(with("'tools':[],'tool_choice':'required'"), "tool_choice", null, "only allowed when 'tools'"),
                bad(tools("'tool_choice':'always'"), "tool_choice", "invalid_value",
                        "Supported values are: 'none', 'auto', and 'required'"),
                bad(tools("'tool_choice':3"), "tool_choice", "invalid_type", "expected an object"),
                bad(tools("'tool_choice':{'type':'function','function':{'name':'nope'}}"), "tool_choice",
                        "invalid_value", "no function named 'nope'"),
                bad(tools("'tool_choice':{'type':'function'}"), "tool_choice.function", "missing_required_parameter",
                        ""),
                bad(tools("'tool_choice':{'type':'function','function':{}}"), "tool_choice.function.name",
                        "missing_required_parameter", ""),
                bad(tools("'tool_choice':{'type':'file_search'}"), "tool_choice.type", "unsupported_value", ""),
                bad(tools("'tool_choice':{'function':{'name':'get_time'}}"), "tool_choice.type",
                        "missing_required_parameter", ""),
                bad(tools("'parallel_tool_calls':'no'"), "parallel_tool_calls", "invalid_type", "expected a boolean"),
                // tool-call history
                bad(history("{'role':'assistant','content':null,'tool_calls':{}}"), "messages[1].tool_calls",
                        "invalid_type", "expected an array"),
                bad(history("{'role':'assistant','content':null,'tool_calls':[{'type':'function',"
                        + "'function':{'name':'f','arguments':'{}'}}]}"), "messages[1].tool_calls[0].id",
                        "missing_required_parameter", ""),
                bad(history("{'role':'assistant','content':null,'tool_calls':[{'id':'c','type':'code',"
                        + "'function':{'name':'f','arguments':'{}'}}]}"), "messages[1].tool_calls[0].type",
                        "unsupported_value", ""),
                bad(history("{'role':'assistant','content':null,'tool_calls':[{'id':'c','type':'function',"
                        + "'function':{'name':'f'}}]}"), "messages[1].tool_calls[0].function.arguments",
                        "missing_required_parameter", ""),
                bad(history("{'role':'assistant','content':null,'tool_calls':[{'id':'c','type':'function',"
                        + "'function':{'name':'f','arguments':{}}}]}"),
                        "messages[1].tool_calls[0].function.arguments", "invalid_type", "expected a string"),
                bad(history("{'role':'assistant','content':null,'tool_calls':[]}"), "messages[1].content",
                        "invalid_type", "got null"),
                bad(history("{'role':'user','content':'x','tool_calls':[]}"), "messages[1].tool_calls",
                        "unsupported_parameter", "Only assistant messages"),
                bad(history("{'role':'tool','content':'18C'}"), "messages[1].tool_call_id",
                        "missing_required_parameter", ""),
                bad(history("{'role':'tool','tool_call_id':5,'content':'18C'}"), "messages[1].tool_call_id",
                        "invalid_type", ""),
                bad(history("{'role':'tool','tool_call_id':'c'}"), "messages[1].content",
                        "missing_required_parameter", ""),
                // response_format
                bad(with("'response_format':{'type':'xml'}"), "response_format.type", "invalid_value",
                        "'text', 'json_object', and 'json_schema'"),
                bad(with("'response_format':{'type':'json_schema'}"), "response_format.json_schema",
                        "missing_required_parameter", ""),
                bad(with("'response_format':{'type':'json_schema','json_schema':{'schema':{}}}"),
                        "response_format.json_schema.name", "missing_required_parameter", ""),
                bad(with("'response_format':{'type':'json_schema','json_schema':{'name':'a b'}}"),
                        "response_format.json_schema.name", "invalid_value", "pattern"),
                bad(with("'response_format':{'type':'json_schema','json_schema':{'name':'a','schema':'{}'}}"),
                        "response_format.json_schema.schema", "invalid_type", "expected an object"),
                bad(with("'response_format':{'type':'json_schema','json_schema':{'name':'a','strict':1}}"),
                        "response_format.json_schema.strict", "invalid_type", "expected a boolean"),
                bad(tools("'response_format':{'type':'json_object'}"), "response_format", "unsupported_parameter",
                        "use one or the other"),
                // deprecated functions
                bad(with("'function_call':'auto'"), "function_call", "unsupported_parameter", "use 'tools'"));
    }

    static Arguments bad(byte[] body, String param, String code, String messagePart) {
        return Arguments.of(new String(body, StandardCharsets.UTF_8), param, code, messagePart);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void shouldRejectWithTheOffendingParam(String body, String param, String code, String messagePart) {
        ApiError e = assertThrows(ApiException.class,
                () -> ChatCompletionRequest.parse(body.getBytes(StandardCharsets.UTF_8))).error();
        assertEquals(400, e.status());
        assertEquals("invalid_request_error", e.type());
        assertEquals(param, e.param(), e.message());
        if (code != null) {
            assertEquals(code, e.code(), e.message());
        }
        assertTrue(e.message().contains(messagePart), () -> "message: " + e.message());
    }
}
