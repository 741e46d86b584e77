package io.edgenode.server.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.chat.ChatMessage;
import io.edgenode.core.llama.SamplingParams;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code POST /v1/chat/completions} bodies: every field read, and OpenAI's 400 for every bad one. */
class ChatCompletionRequestTest {

    /** JSON written with single quotes, for legibility. */
    static byte[] json(String singleQuoted) {
        return singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    /** A valid minimal body plus {@code extra} fields. */
    static byte[] with(String extra) {
        return json("{'model':'m','messages':[{'role':'user','content':'hi'}]" + (extra.isEmpty() ? "" : "," + extra)
                + "}");
    }

    static ChatCompletionRequest parse(byte[] body) {
        return ChatCompletionRequest.parse(body);
    }

    @Test
    void shouldReadEveryField() {
        ChatCompletionRequest r = parse(json("""
                {'model':'qwen','messages':[
                  {'role':'system','content':'Be brief.'},
                  {'role':'developer','content':'Answer in French.'},
                  {'role':'user','content':[{'type':'text','text':'Hello'},{'type':'text','text':'there'}],'name':'bob'},
                  {'role':'assistant','content':'Bonjour','tool_calls':[]}],
                 'stream':true,'stream_options':{'include_usage':true},
                 'max_tokens':100,'max_completion_tokens':50,'n':1,
                 'temperature':0.2,'top_p':0.9,'top_k':20,'min_p':0.1,'repeat_penalty':1.1,
                 'frequency_penalty':0.5,'presence_penalty':-0.5,'seed':1234,
                 'stop':['###','END'],'user':'u-1','ignore_eos':true,'session_id':'s-9',
                 'logprobs':false,'tools':[],'response_format':{'type':'text'},'logit_bias':{},
                 'some_future_field':{'x':[1,2,3]}}
                """));
        assertEquals("qwen", r.model());
        assertEquals(List.of(
                new ChatMessage("system", "Be brief."),
                new ChatMessage("system", "Answer in French."),
                new ChatMessage("user", "Hello\nthere"),
                new ChatMessage("assistant", "Bonjour")), r.messages());
        assertTrue(r.stream());
        assertTrue(r.includeUsage());
        assertEquals(50, r.maxTokens(), "max_completion_tokens wins over max_tokens");
        assertEquals(new SamplingParams(0.2f, 20, 0.9f, 0.1f, 1.1f, 0.5f, -0.5f, 64, 1234), r.sampling());
        assertEquals(List.of("###", "END"), r.stop());
        assertEquals("u-1", r.user());
        assertTrue(r.ignoreEos());
        assertEquals("s-9", r.sessionId());
    }

    @Test
    void shouldApplyLlamaServerDefaults() {
        ChatCompletionRequest r = parse(with(""));
        assertEquals(List.of(new ChatMessage("user", "hi")), r.messages());
        assertFalse(r.stream());
        assertFalse(r.includeUsage());
        assertEquals(-1, r.maxTokens());
        assertEquals(SamplingParams.defaults(SamplingParams.RANDOM_SEED), r.sampling());
        assertEquals(new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1f, 0f, 0f, 64, 0xFFFFFFFFL), r.sampling());
        assertEquals(List.of(), r.stop());
        assertNull(r.user());
        assertFalse(r.ignoreEos());
        assertNull(r.sessionId());
    }

    @Test
    void shouldTreatNullAsAbsent() {
        ChatCompletionRequest r = parse(with("'temperature':null,'stop':null,'max_tokens':null,'seed':null,"
                + "'stream_options':null,'user':null,'n':null,'tools':null,'response_format':null"));
        assertEquals(parse(with("")), r);
    }

    @Test
    void shouldTakeMaxTokensWhenAloneAndWholeDecimalsAsIntegers() {
        assertEquals(7, parse(with("'max_tokens':7")).maxTokens());
        assertEquals(256, parse(with("'max_completion_tokens':256.0")).maxTokens());
        assertEquals(40, parse(with("'top_k':4e1")).sampling().topK());
    }

    @Test
    void shouldTakeIntegersAsDecimalsAndTheRangeEnds() {
        SamplingParams s = parse(with("'temperature':2,'top_p':0,'min_p':1,'presence_penalty':-2,"
                + "'frequency_penalty':2,'top_k':0")).sampling();
        assertEquals(new SamplingParams(2f, 0, 0f, 1f, 1f, 2f, -2f, 64, SamplingParams.RANDOM_SEED), s);
        assertEquals(0f, parse(with("'temperature':0")).sampling().temperature());
    }

    @Test
    void shouldTakeAStopString() {
        assertEquals(List.of("\n\n"), parse(with("'stop':'\\n\\n'")).stop());
        assertEquals(List.of(), parse(with("'stop':[]")).stop());
    }

    @Test
    void shouldMapSeedsToLlamaCppsThirtyTwoBits() {
        assertEquals(0L, parse(with("'seed':0")).sampling().seed());
        assertEquals(42L, parse(with("'seed':42")).sampling().seed());
        assertEquals(0xFFFFFFFEL, parse(with("'seed':4294967294")).sampling().seed());
        assertEquals(SamplingParams.RANDOM_SEED, parse(with("'seed':-1")).sampling().seed());
        assertEquals(SamplingParams.RANDOM_SEED, parse(with("'seed':4294967295")).sampling().seed());
        // Past 32 bits: hi ^ lo, stable, never the "random" value.
        assertEquals(1L ^ 5L, parse(with("'seed':" + ((1L << 32) | 5L))).sampling().seed());
        assertEquals(0xFFFFFFFFL ^ 0xFFFFFFFEL, parse(with("'seed':-2")).sampling().seed());
        assertEquals(0xFFFFFFFEL, parse(with("'seed':" + 0xFFFFFFFF00000000L)).sampling().seed());
        assertEquals(0x7FFFFFFFL ^ 0xFFFFFFFFL, parse(with("'seed':9223372036854775807")).sampling().seed());
        assertEquals(42L, parse(with("'seed':42.0")).sampling().seed());
    }

    @Test
    void shouldKeepUnicodeContent() {
        String text = "naïve 中文 😀 \"quoted\" \\ tab\t";
        String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\t", "\\t") + "\"}]}";
        assertEquals(text, parse(body.getBytes(StandardCharsets.UTF_8)).messages().getFirst().content());
    }

    @Test
    void shouldBeImmutable() {
        ChatCompletionRequest r = parse(with("'stop':['a']"));
        assertThrows(UnsupportedOperationException.class, () -> r.messages().add(new ChatMessage("user", "x")));
        assertThrows(UnsupportedOperationException.class, () -> r.stop().add("b"));
    }

    // ---- errors ----------------------------------------------------------------------------

    static Stream<Arguments> badRequests() {
        return Stream.of(
                // model
                bad(json("{'messages':[{'role':'user','content':'hi'}]}"), "model", "missing_required_parameter",
                        "you must provide a model parameter"),
                bad(json("{'model':'','messages':[{'role':'user','content':'hi'}]}"), "model",
                        "missing_required_parameter", "you must provide a model parameter"),
                bad(json("{'model':5,'messages':[{'role':'user','content':'hi'}]}"), "model", "invalid_type",
                        "Invalid type for 'model': expected a string, but got an integer instead."),
                // messages
                bad(json("{'model':'m'}"), "messages", "missing_required_parameter",
                        "Missing required parameter: 'messages'."),
                bad(json("{'model':'m','messages':null}"), "messages", "missing_required_parameter",
                        "Missing required parameter: 'messages'."),
                bad(json("{'model':'m','messages':{'role':'user'}}"), "messages", "invalid_type",
                        "Invalid type for 'messages': expected an array, but got an object instead."),
                bad(json("{'model':'m','messages':[]}"), "messages", "empty_array",
                        "Invalid 'messages': empty array. Expected an array with minimum length 1, "
                                + "but got an empty array instead."),
                bad(json("{'model':'m','messages':['hi']}"), "messages[0]", "invalid_type",
                        "Invalid type for 'messages[0]': expected an object, but got a string instead."),
                bad(messages("{'content':'x'}"), "messages[1].role", "missing_required_parameter",
                        "Missing required parameter: 'messages[1].role'."),
                bad(messages("{'role':5,'content':'x'}"), "messages[1].role", "invalid_type",
                        "Invalid type for 'messages[1].role': expected a string, but got an integer instead."),
                bad(messages("{'role':'robot','content':'x'}"), "messages[1].role", "invalid_value",
                        "Invalid value: 'robot'. Supported values are: 'system', 'assistant', 'user', 'tool', and "
                                + "'developer'."),
                bad(messages("{'role':'function','content':'x','name':'f'}"), "messages[1].role",
                        "unsupported_value", "does not support 'function'"),
                bad(messages("{'role':'assistant','content':'x','function_call':{'name':'f'}}"),
                        "messages[1].function_call", "unsupported_parameter", "'function_call' is not supported"),
                // content
                bad(messages("{'role':'user'}"), "messages[1].content", "missing_required_parameter",
                        "Missing required parameter: 'messages[1].content'."),
                bad(messages("{'role':'assistant','content':null}"), "messages[1].content", "invalid_type",
                        "Invalid type for 'messages[1].content': expected one of a string or array of objects, "
                                + "but got null instead."),
                bad(messages("{'role':'user','content':5}"), "messages[1].content", "invalid_type",
                        "expected one of a string or array of objects, but got an integer instead."),
                bad(messages("{'role':'user','content':{'type':'text','text':'x'}}"), "messages[1].content",
                        "invalid_type", "but got an object instead."),
                bad(messages("{'role':'user','content':[]}"), "messages[1].content", "empty_array",
                        "Invalid 'messages[1].content': empty array."),
                bad(messages("{'role':'user','content':['x']}"), "messages[1].content[0]", "invalid_type",
                        "Invalid type for 'messages[1].content[0]': expected an object, but got a string instead."),
                bad(messages("{'role':'user','content':[{'text':'x'}]}"), "messages[1].content[0].type",
                        "missing_required_parameter", "Missing required parameter: 'messages[1].content[0].type'."),
                bad(messages("{'role':'user','content':[{'type':'text','text':'a'},"
                        + "{'type':'image_url','image_url':{'url':'http://x/y.png'}}]}"), "messages[1].content[1].type",
                        "unsupported_value", "Unsupported value: 'messages[1].content[1].type' does not support "
                                + "'image_url' with this model. Only 'text' content parts are supported."),
                bad(messages("{'role':'user','content':[{'type':'input_audio','input_audio':{}}]}"),
                        "messages[1].content[0].type", "unsupported_value", "'input_audio'"),
                bad(messages("{'role':'user','content':[{'type':'text'}]}"), "messages[1].content[0].text",
                        "missing_required_parameter", "Missing required parameter: 'messages[1].content[0].text'."),
                bad(messages("{'role':'user','content':[{'type':'text','text':['x']}]}"),
                        "messages[1].content[0].text", "invalid_type", "expected a string, but got an array instead."),
                // stream, stream_options
                bad(with("'stream':'yes'"), "stream", "invalid_type",
                        "Invalid type for 'stream': expected a boolean, but got a string instead."),
                bad(with("'stream_options':{'include_usage':true}"), "stream_options", null,
                        "The 'stream_options' parameter is only allowed when 'stream' is enabled."),
                bad(with("'stream':false,'stream_options':{}"), "stream_options", null,
                        "The 'stream_options' parameter is only allowed when 'stream' is enabled."),
                bad(with("'stream':true,'stream_options':true"), "stream_options", "invalid_type",
                        "Invalid type for 'stream_options': expected an object, but got a boolean instead."),
                bad(with("'stream':true,'stream_options':{'include_usage':1}"), "stream_options.include_usage",
                        "invalid_type", "expected a boolean, but got an integer instead."),
                // max_tokens, max_completion_tokens, n
                bad(with("'max_tokens':0"), "max_tokens", "integer_below_min_value",
                        "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead."),
                bad(with("'max_completion_tokens':-5"), "max_completion_tokens", "integer_below_min_value",
                        "Expected a value >= 1, but got -5 instead."),
                bad(with("'max_completion_tokens':10,'max_tokens':0"), "max_tokens", "integer_below_min_value",
                        "Invalid 'max_tokens'"),
                bad(with("'max_tokens':1.5"), "max_tokens", "invalid_type",
                        "Invalid type for 'max_tokens': expected an integer, but got a decimal instead."),
                bad(with("'max_tokens':'100'"), "max_tokens", "invalid_type", "expected an integer, but got a string"),
                bad(with("'max_tokens':3000000000"), "max_tokens", "integer_above_max_value",
                        "Invalid 'max_tokens': integer above maximum value. Expected a value <= 2147483647, "
                                + "but got 3000000000 instead."),
                bad(with("'max_tokens':1e300"), "max_tokens", "integer_above_max_value", "<= 2147483647"),
                bad(with("'n':2"), "n", "unsupported_value",
                        "Unsupported value: 'n' does not support 2 with this model. Only the default (1) value"),
                bad(with("'n':0"), "n", "integer_below_min_value", "Expected a value >= 1, but got 0 instead."),
                bad(with("'n':'1'"), "n", "invalid_type", "expected an integer"),
                // sampling
                bad(with("'temperature':2.5"), "temperature", "decimal_above_max_value",
                        "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, "
                                + "but got 2.5 instead."),
                bad(with("'temperature':-0.1"), "temperature", "decimal_below_min_value",
                        "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, "
                                + "but got -0.1 instead."),
                bad(with("'temperature':'hot'"), "temperature", "invalid_type",
                        "Invalid type for 'temperature': expected a decimal, but got a string instead."),
                bad(with("'temperature':1e400"), "temperature", "decimal_above_max_value", "<= 2"),
                bad(with("'temperature':[1]"), "temperature", "invalid_type", "but got an array instead."),
                bad(with("'top_p':1.01"), "top_p", "decimal_above_max_value", "Expected a value <= 1"),
                bad(with("'top_p':-1"), "top_p", "decimal_below_min_value", "Expected a value >= 0, but got -1"),
                bad(with("'top_k':-1"), "top_k", "integer_below_min_value", "Expected a value >= 0, but got -1"),
                bad(with("'top_k':2.5"), "top_k", "invalid_type", "expected an integer, but got a decimal"),
                bad(with("'min_p':1.5"), "min_p", "decimal_above_max_value", "Expected a value <= 1"),
                bad(with("'min_p':true"), "min_p", "invalid_type", "expected a decimal, but got a boolean"),
                bad(with("'repeat_penalty':0"), "repeat_penalty", "decimal_below_min_value",
                        "Invalid 'repeat_penalty': decimal below minimum value. Expected a value > 0, "
                                + "but got 0 instead."),
                bad(with("'repeat_penalty':1e-50"), "repeat_penalty", "decimal_below_min_value",
                        "Expected a value > 0"),
                bad(with("'repeat_penalty':1e39"), "repeat_penalty", "decimal_above_max_value", "Expected a value <="),
                bad(with("'frequency_penalty':2.01"), "frequency_penalty", "decimal_above_max_value", "<= 2"),
                bad(with("'presence_penalty':-3"), "presence_penalty", "decimal_below_min_value", ">= -2"),
                bad(with("'seed':1.5"), "seed", "invalid_type", "expected an integer, but got a decimal"),
                bad(with("'seed':'42'"), "seed", "invalid_type", "expected an integer, but got a string"),
                bad(with("'seed':99999999999999999999"), "seed", "integer_above_max_value",
                        "Expected a value <= 9223372036854775807, but got 99999999999999999999 instead."),
                bad(with("'seed':-99999999999999999999"), "seed", "integer_below_min_value",
                        "Expected a value >= -9223372036854775808"),
                bad(with("'seed':1e30"), "seed", "integer_above_max_value", "<= 9223372036854775807"),
                // stop
                bad(with("'stop':5"), "stop", "invalid_type",
                        "Invalid type for 'stop': expected one of a string or array of strings, "
                                + "but got an integer instead."),
                bad(with("'stop':['a','b','c','d','e']"), "stop", "array_above_max_length",
                        "Invalid 'stop': array too long. Expected an array with maximum length 4, "
                                + "but got an array with length 5 instead."),
                bad(with("'stop':['a',1]"), "stop[1]", "invalid_type",
                        "Invalid type for 'stop[1]': expected a string, but got an integer instead."),
                bad(with("'stop':''"), "stop", "empty_string", "Invalid 'stop': empty string."),
                bad(with("'stop':['a','']"), "stop[1]", "empty_string", "Invalid 'stop[1]': empty string."),
                // user, extensions
                bad(with("'user':5"), "user", "invalid_type", "Invalid type for 'user': expected a string"),
                bad(with("'ignore_eos':'true'"), "ignore_eos", "invalid_type", "expected a boolean, but got a string"),
                bad(with("'session_id':{}"), "session_id", "invalid_type", "expected a string, but got an object"),
                // known but not implemented
                bad(with("'functions':[{'name':'f'}]"), "functions", "unsupported_parameter", "use 'tools'"),
                bad(with("'logprobs':'yes'"), "logprobs", "invalid_type", "expected a boolean"),
                bad(with("'top_logprobs':3"), "top_logprobs", "invalid_value", "'logprobs' must be true"),
                bad(with("'logprobs':true,'top_logprobs':21"), "top_logprobs", "integer_above_max_value", "<= 20"),
                bad(with("'logprobs':true,'top_logprobs':-1"), "top_logprobs", "integer_below_min_value", ">= 0"),
                bad(with("'logprobs':true,'tools':[{'type':'function','function':{'name':'f'}}]"), "logprobs",
                        "unsupported_parameter", "tool calls"),
                bad(with("'response_format':'json'"), "response_format", "invalid_type", "expected an object"),
                bad(with("'response_format':{}"), "response_format.type", "missing_required_parameter",
                        "Missing required parameter: 'response_format.type'."),
                bad(with("'logit_bias':{'x':10}"), "logit_bias", "invalid_value", "'x' is not a token id"),
                bad(with("'logit_bias':{'-3':10}"), "logit_bias", "invalid_value", "'-3' is not a token id"),
                bad(with("'logit_bias':{'007':10}"), "logit_bias", "invalid_value", "'007' is not a token id"),
                bad(with("'logit_bias':{'15':101}"), "logit_bias", "invalid_value", "from -100 to 100, got 101"),
                bad(with("'logit_bias':{'15':'high'}"), "logit_bias.15", "invalid_type", "expected a number"),
                bad(with("'logit_bias':[1]"), "logit_bias", "invalid_type", "expected an object"));
    }

    static byte[] messages(String second) {
        return json("{'model':'m','messages':[{'role':'system','content':'s'}," + second + "]}");
    }

    static Arguments bad(byte[] body, String param, String code, String messagePart) {
        return Arguments.of(new String(body, StandardCharsets.UTF_8), param, code, messagePart);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void shouldRejectWithOpenAisError(String body, String param, String code, String messagePart) {
        ApiError e = assertThrows(ApiException.class, () -> parse(body.getBytes(StandardCharsets.UTF_8))).error();
        assertEquals(400, e.status());
        assertEquals("invalid_request_error", e.type());
        assertEquals(param, e.param(), e.message());
        assertEquals(code, e.code(), e.message());
        assertTrue(e.message().contains(messagePart), () -> "message: " + e.message());
    }

    @Test
    void shouldCutLongValuesEchoedInMessages() {
        String role = "r".repeat(10_000);
        ApiError e = assertThrows(ApiException.class,
                () -> parse(messages("{'role':'" + role + "','content':'x'}"))).error();
        assertTrue(e.message().length() < 300, e.message());
    }

    @Test
    void shouldRejectMalformedJsonBeforeReadingFields() {
        ApiError e = assertThrows(ApiException.class, () -> parse(json("{'model':'m',"))).error();
        assertEquals(400, e.status());
        assertNull(e.param());
        assertTrue(e.message().startsWith("We could not parse the JSON body of your request"), e.message());
    }
}
