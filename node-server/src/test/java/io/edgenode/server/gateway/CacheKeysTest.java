package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgenode.server.openai.OpenAiJson;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the cache key depends on, and what it does not. */
class CacheKeysTest {
    static final String SHA = "ab".repeat(32);

    static JsonNode json(String s) {
        return OpenAiJson.readObject(s.getBytes(StandardCharsets.UTF_8));
    }

    static String key(String body) {
        return CacheKeys.of(json(body), "qwen3-8b", SHA, "key_1");
    }

    @Test
    void shouldBeAHexSha256() {
        assertTrue(key("{\"a\":1}").matches("[0-9a-f]{64}"));
    }

    @Test
    void shouldIgnoreKeyOrderAtEveryDepth() {
        assertEquals(key("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0}"),
                key("{\"temperature\":0,\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"model\":\"m\"}"));
    }

    @Test
    void shouldKeepArrayOrder() {
        assertNotEquals(key("{\"stop\":[\"a\",\"b\"]}"), key("{\"stop\":[\"b\",\"a\"]}"));
    }

    @Test
    void shouldTreatNumberFormsOfOneValueAlike() {
        String k = key("{\"temperature\":1,\"top_p\":100,\"x\":0}");
        assertEquals(k, key("{\"temperature\":1.0,\"top_p\":1e2,\"x\":0.0}"));
        assertEquals(k, key("{\"temperature\":1e0,\"top_p\":100.000,\"x\":-0.0}"));
        assertEquals(k, key("{\"temperature\":10e-1,\"top_p\":1E+2,\"x\":0e7}"));
        assertNotEquals(k, key("{\"temperature\":1.5,\"top_p\":100,\"x\":0}"));
        assertEquals("{\"a\":1e0,\"b\":15e-1,\"c\":1e2,\"d\":0e0}",
                CacheKeys.canonical(json("{\"d\":0.0,\"c\":100,\"b\":1.50,\"a\":1}")));
    }

    @Test
    void shouldKeepHugeExponentsShort() {
        assertEquals("{\"a\":123e21}", CacheKeys.canonical(json("{\"a\":123000000000000000000000}")));
        // Past a double's range the parser gives Infinity: still one short, stable form.
        assertTrue(CacheKeys.canonical(json("{\"a\":1e999999}")).length() < 20);
    }

    @Test
    void shouldIgnoreStreamStreamOptionsAndMetadata() {
        String base = "{\"model\":\"m\",\"messages\":[]}";
        assertEquals(key(base), key("{\"model\":\"m\",\"messages\":[],\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"metadata\":{\"trace\":\"t1\"}}"));
        // Only at the top level: a nested field of that name is content.
        assertNotEquals(key("{\"x\":{}}"), key("{\"x\":{\"stream\":true}}"));
    }

    @Test
    void shouldDependOnEveryOtherField() {
        String base = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String k = key(base);
        for (String other : new String[] {
                "{\"model\":\"m2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi!\"}]}",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"user\":\"u1\"}",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"seed\":1}",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[]}",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":null}",
        }) {
            assertNotEquals(k, key(other), other);
        }
    }

    @Test
    void shouldDependOnServedModelModelFileAndTenant() {
        JsonNode body = json("{\"messages\":[]}");
        String k = CacheKeys.of(body, "qwen3-8b", SHA, "key_1");
        assertNotEquals(k, CacheKeys.of(body, "qwen3-14b", SHA, "key_1"));
        assertNotEquals(k, CacheKeys.of(body, "qwen3-8b", "cd".repeat(32), "key_1"));
        assertNotEquals(k, CacheKeys.of(body, "qwen3-8b", SHA, "key_2"));
        assertNotEquals(k, CacheKeys.of(body, "qwen3-8b", SHA, ""));
        // Framed: moving characters between parts never gives the same key.
        assertNotEquals(CacheKeys.of(body, "ab", "c", ""), CacheKeys.of(body, "a", "bc", ""));
    }
}
