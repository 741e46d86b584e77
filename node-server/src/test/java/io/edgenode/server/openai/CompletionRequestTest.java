package io.edgenode.server.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.llama.SamplingParams;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code POST /v1/completions} bodies. The fields shared with chat are tested there in depth. */
class CompletionRequestTest {

    static byte[] json(String singleQuoted) {
        return singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    static byte[] with(String extra) {
        return json("{'model':'m','prompt':'Once upon'" + (extra.isEmpty() ? "" : "," + extra) + "}");
    }

    @Test
    void shouldReadEveryField() {
        CompletionRequest r = CompletionRequest.parse(json("""
                {'model':'base','prompt':'def f(x):','stream':true,'stream_options':{'include_usage':true},
                 'max_tokens':64,'n':1,'best_of':1,'echo':false,'suffix':'','temperature':0,'top_p':1,'top_k':0,
                 'min_p':0,'repeat_penalty':1.2,'frequency_penalty':0.1,'presence_penalty':0.2,'seed':7,
                 'stop':'\\n\\n','user':'u','ignore_eos':true,'logit_bias':{},'unknown':1}
                """));
        assertEquals("base", r.model());
        assertEquals("def f(x):", r.prompt());
        assertTrue(r.stream());
        assertTrue(r.includeUsage());
        assertEquals(64, r.maxTokens());
        assertEquals(new SamplingParams(0f, 0, 1f, 0f, 1.2f, 0.1f, 0.2f, 64, 7), r.sampling());
        assertEquals(List.of("\n\n"), r.stop());
        assertEquals("u", r.user());
        assertTrue(r.ignoreEos());
    }

    @Test
    void shouldApplyDefaults() {
        CompletionRequest r = CompletionRequest.parse(with(""));
        assertEquals("Once upon", r.prompt());
        assertFalse(r.stream());
        assertFalse(r.includeUsage());
        assertEquals(-1, r.maxTokens());
        assertEquals(SamplingParams.defaults(SamplingParams.RANDOM_SEED), r.sampling());
        assertEquals(List.of(), r.stop());
        assertNull(r.user());
        assertFalse(r.ignoreEos());
    }

    @Test
    void shouldTakeAOnePromptArrayAndAnEmptyPrompt() {
        assertEquals("abc", CompletionRequest.parse(json("{'model':'m','prompt':['abc']}")).prompt());
        assertEquals("", CompletionRequest.parse(json("{'model':'m','prompt':''}")).prompt());
    }

    @Test
    void shouldIgnoreChatOnlyFields() {
        assertEquals(-1, CompletionRequest.parse(with("'max_completion_tokens':0,'messages':5")).maxTokens());
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                bad(json("{'prompt':'x'}"), "model", "missing_required_parameter", "you must provide a model"),
                bad(json("{'model':'m'}"), "prompt", "missing_required_parameter",
                        "Missing required parameter: 'prompt'."),
                bad(json("{'model':'m','prompt':5}"), "prompt", "invalid_type",
                        "Invalid type for 'prompt': expected one of a string or array of strings, "
                                + "but got an integer instead."),
                bad(json("{'model':'m','prompt':[]}"), "prompt", "empty_array", "Invalid 'prompt': empty array."),
                bad(json("{'model':'m','prompt':[1,2,3]}"), "prompt", "unsupported_value",
                        "Unsupported value: 'prompt' does not support token ids with this model."),
                bad(json("{'model':'m','prompt':[[1,2]]}"), "prompt", "unsupported_value", "token ids"),
                bad(json("{'model':'m','prompt':['a','b']}"), "prompt", "unsupported_value", "several prompts"),
                bad(json("{'model':'m','prompt':['a',{}]}"), "prompt[1]", "invalid_type",
                        "Invalid type for 'prompt[1]': expected a string, but got an object instead."),
                bad(with("'stream_options':{'include_usage':true}"), "stream_options", null,
                        "The 'stream_options' parameter is only allowed when 'stream' is enabled."),
                bad(with("'max_tokens':0"), "max_tokens", "integer_below_min_value", "Expected a value >= 1"),
                bad(with("'n':3"), "n", "unsupported_value", "does not support 3"),
                bad(with("'temperature':3"), "temperature", "decimal_above_max_value", "<= 2, but got 3 instead."),
                bad(with("'stop':[1]"), "stop[0]", "invalid_type", "expected a string"),
                bad(with("'echo':true"), "echo", "unsupported_value", "does not support true"),
                bad(with("'echo':1"), "echo", "invalid_type", "expected a boolean"),
                bad(with("'best_of':2"), "best_of", "unsupported_value", "does not support 2"),
                bad(with("'suffix':'end'"), "suffix", "unsupported_parameter", "Unsupported parameter: 'suffix'"),
                bad(with("'logprobs':9"), "logprobs", "integer_above_max_value", "<= 5"),
                bad(with("'logprobs':true"), "logprobs", "invalid_type", "expected an integer"),
                bad(with("'logit_bias':{'1':-100.5}"), "logit_bias", "invalid_value", "from -100 to 100"));
    }

    static Arguments bad(byte[] body, String param, String code, String messagePart) {
        return Arguments.of(new String(body, StandardCharsets.UTF_8), param, code, messagePart);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void shouldRejectWithOpenAisError(String body, String param, String code, String messagePart) {
        ApiError e = assertThrows(ApiException.class,
                () -> CompletionRequest.parse(body.getBytes(StandardCharsets.UTF_8))).error();
        assertEquals(400, e.status());
        assertEquals("invalid_request_error", e.type());
        assertEquals(param, e.param(), e.message());
        assertEquals(code, e.code(), e.message());
        assertTrue(e.message().contains(messagePart), () -> "message: " + e.message());
    }
}
