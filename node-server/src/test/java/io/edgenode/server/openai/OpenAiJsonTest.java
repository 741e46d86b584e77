package io.edgenode.server.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Request bodies that are not one JSON object in UTF-8, and the 400s they get. */
class OpenAiJsonTest {

    static ApiError reject(byte[] body) {
        return assertThrows(ApiException.class, () -> OpenAiJson.readObject(body)).error();
    }

    static ApiError reject(String body) {
        return reject(body.getBytes(StandardCharsets.UTF_8));
    }

    /** Never a parser class, feature name or stack in what a client reads. */
    static void assertOurWords(ApiError e) {
        String m = e.message().toLowerCase(Locale.ROOT);
        for (String leak : new String[] {"`", "jackson", "exception", "feature", "streamread", "com.", "source:",
                "redacted", "\tat "}) {
            assertFalse(m.contains(leak), () -> "message leaks '" + leak + "': " + e.message());
        }
    }

    static void assertInvalidJson(ApiError e) {
        assertEquals(400, e.status());
        assertEquals("invalid_request_error", e.type());
        assertNull(e.param());
        assertTrue(e.message().startsWith("We could not parse the JSON body of your request: "), e.message());
        assertOurWords(e);
    }

    @Test
    void shouldReadAnObject() {
        ObjectNode o = OpenAiJson.readObject("{\"model\":\"m\",\"n\":[1,{\"x\":null}]}".getBytes(StandardCharsets.UTF_8));
        assertEquals("m", o.get("model").textValue());
        assertTrue(o.get("n").get(1).get("x").isNull());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"a\":", "{\"a\":1,}", "{'a':1}", "{\"a\":tru}", "nul", "{\"a\":NaN}",
            "{\"a\" 1}", "{\"a\":\"x\\q\"}", "{\"a\":01}", "{\"a\":-}", "{\"a\":\"\u0001\"}", "{} x", "{}{}", "{} []",
            "{\"a\":[1,2}", "}"})
    void shouldRejectMalformedJsonInOurWords(String body) {
        assertInvalidJson(reject(body));
    }

    @Test
    void shouldSayWhereTheJsonBreaks() {
        ApiError e = reject("{\"model\":\"m\",\n \"n\": }");
        assertTrue(e.message().contains("unexpected character ('}' (code 125))"), e.message());
        assertTrue(e.message().contains("at line 2, column 7"), e.message());
        assertTrue(reject("{\"a\":1} {\"b\":2}").message().contains("unexpected content after the JSON object"));
        assertTrue(reject("{\"a\":[1").message().contains("unexpected end of input"));
        e = reject("{\"a\":[1,2}");
        assertTrue(e.message().contains("unexpected close marker '}': expected ']' at line 1, column 10"), e.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\r\n\t "})
    void shouldRejectAnEmptyBody(String body) {
        ApiError e = reject(body);
        assertInvalidJson(e);
        assertTrue(e.message().contains("the body is empty"), e.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"model\":\"m\"}]", "\"text\"", "42", "true", "null"})
    void shouldRejectATopLevelValueThatIsNotAnObject(String body) {
        ApiError e = reject(body);
        assertEquals(400, e.status());
        assertEquals("invalid_request_error", e.type());
        assertEquals("invalid_type", e.code());
        assertTrue(e.message().startsWith("Invalid type for request body: expected an object, but got "), e.message());
    }

    @Test
    void shouldNameTheNestingLimit() {
        String deep = "{\"a\":" + "[".repeat(64) + "]".repeat(64) + "}";
        assertEquals(1, OpenAiJson.readObject(("{\"a\":" + "[".repeat(63) + "]".repeat(63) + "}")
                .getBytes(StandardCharsets.UTF_8)).size());
        ApiError e = reject(deep);
        assertInvalidJson(e);
        assertTrue(e.message().contains("nested deeper than 64 levels"), e.message());
    }

    @Test
    void shouldNameTheNumberLengthLimit() {
        OpenAiJson.readObject(("{\"a\":" + "1".repeat(64) + "}").getBytes(StandardCharsets.UTF_8));
        for (String n : new String[] {"1".repeat(65), "0." + "1".repeat(70), "-" + "9".repeat(80)}) {
            ApiError e = reject("{\"a\":" + n + "}");
            assertInvalidJson(e);
            assertTrue(e.message().contains("a number is longer than 64 characters"), e.message());
        }
    }

    @Test
    void shouldNameTheStringLengthLimit() {
        String limit = "x".repeat(OpenAiJson.MAX_STRING_LENGTH);
        assertEquals(limit.length(), OpenAiJson.readObject(("{\"a\":\"" + limit + "\"}")
                .getBytes(StandardCharsets.UTF_8)).get("a").textValue().length());
        ApiError e = reject("{\"a\":\"" + limit + "y\"}");
        assertInvalidJson(e);
        assertTrue(e.message().contains("a string is longer than 4194304 characters"), e.message());
    }

    @Test
    void shouldRejectInvalidUtf8WithItsOffset() {
        byte[][] bad = {
            {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '(', '"', '}'},             // truncated 2-byte sequence
            {'{', '"', 'a', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'},     // overlong '/'
            {'{', '"', 'a', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'}, // encoded surrogate
            {'{', '"', 'a', '"', ':', '"', (byte) 0xFF, '"', '}'},                 // never valid
            {'{', '"', 'a', '"', ':', '"', (byte) 0xE2, (byte) 0x82},              // cut at the end
        };
        for (byte[] body : bad) {
            ApiError e = reject(body);
            assertInvalidJson(e);
            assertTrue(e.message().contains("the body is not valid UTF-8 (invalid byte sequence at offset 6)"),
                    e.message());
        }
    }

    @Test
    void shouldRejectAUtf16Body() {
        assertInvalidJson(reject("{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_16LE)));
        assertInvalidJson(reject("{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_16BE)));
    }

    @Test
    void shouldSkipOneByteOrderMarkAndKeepMultibyteText() {
        String text = "héllo 中文 😀 \u2028";
        ObjectNode o = OpenAiJson.readObject(("\uFEFF{\"a\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals(text, o.get("a").textValue());
    }

    @Test
    void shouldHandOutAFreshMapperWithTheApiLimits() {
        ObjectMapper a = OpenAiJson.mapper();
        assertNotSame(a, OpenAiJson.mapper());
        assertEquals(64, a.getFactory().streamReadConstraints().getMaxNestingDepth());
        assertEquals(64, a.getFactory().streamReadConstraints().getMaxNumberLength());
        assertEquals(4 << 20, a.getFactory().streamReadConstraints().getMaxStringLength());
        assertTrue(a.isEnabled(DeserializationFeature.FAIL_ON_TRAILING_TOKENS));
    }
}
