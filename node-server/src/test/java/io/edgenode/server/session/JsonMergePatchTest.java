package io.edgenode.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 7386 merge patches: every example of the RFC's appendix A, and purity. */
class JsonMergePatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @ParameterizedTest(name = "{0} + {1} = {2}")
    @CsvSource(delimiter = '|', textBlock = """
            {"a":"b"}                    | {"a":"c"}                    | {"a":"c"}
            {"a":"b"}                    | {"b":"c"}                    | {"a":"b","b":"c"}
            {"a":"b"}                    | {"a":null}                   | {}
            {"a":"b","b":"c"}            | {"a":null}                   | {"b":"c"}
            {"a":["b"]}                  | {"a":"c"}                    | {"a":"c"}
            {"a":"c"}                    | {"a":["b"]}                  | {"a":["b"]}
            {"a":{"b":"c"}}              | {"a":{"b":"d","c":null}}     | {"a":{"b":"d"}}
            {"a":[{"b":"c"}]}            | {"a":[1]}                    | {"a":[1]}
            ["a","b"]                    | ["c","d"]                    | ["c","d"]
            {"a":"b"}                    | ["c"]                        | ["c"]
            {"a":"foo"}                  | null                         | null
            {"a":"foo"}                  | "bar"                        | "bar"
            {"e":null}                   | {"a":1}                      | {"e":null,"a":1}
            [1,2]                        | {"a":"b","c":null}           | {"a":"b"}
            {}                           | {"a":{"bb":{"ccc":null}}}    | {"a":{"bb":{}}}
            """)
    void shouldApplyTheRfcAppendixExamples(String target, String patch, String result) throws Exception {
        assertEquals(json(result), JsonMergePatch.apply(json(target), json(patch)));
    }

    @Test
    void shouldChangeNeitherArgumentNorShareNodesWithThem() throws Exception {
        JsonNode target = json("{\"a\":{\"b\":1},\"keep\":[1]}");
        JsonNode patch = json("{\"a\":{\"c\":{\"d\":2}},\"keep\":null,\"n\":[3]}");

        JsonNode result = JsonMergePatch.apply(target, patch);
        ((com.fasterxml.jackson.databind.node.ObjectNode) result.get("a").get("c")).put("d", 99);
        ((com.fasterxml.jackson.databind.node.ArrayNode) result.get("n")).add(4);

        assertEquals(json("{\"a\":{\"b\":1},\"keep\":[1]}"), target);
        assertEquals(json("{\"a\":{\"c\":{\"d\":2}},\"keep\":null,\"n\":[3]}"), patch);
    }

    @Test
    void shouldStartFromAnEmptyObjectWithoutATarget() throws Exception {
        assertEquals(json("{\"a\":1}"), JsonMergePatch.apply(null, json("{\"a\":1,\"b\":null}")));
    }
}
