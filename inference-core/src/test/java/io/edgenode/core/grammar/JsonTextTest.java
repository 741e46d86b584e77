package io.edgenode.core.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Constants are written as llama.cpp's JSON library writes them (nlohmann {@code dump()}). */
class JsonTextTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1.0|1.0", "1.5|1.5", "-2.25|-2.25", "1e100|1e+100", "1.5e-7|1.5e-07", "0.001|0.001", "0.0001|0.0001",
        "0.00001|1e-05", "123456789012345.0|123456789012345.0", "1e16|1e+16", "1e15|1e+15", "1e14|100000000000000.0",
        "0.1|0.1", "42|42", "-7|-7", "123456789012345678901234567890|123456789012345678901234567890",
        "\"a\\u0001b\"|\"a\\u0001b\"", "\"tab\\tnl\\n\"|\"tab\\tnl\\n\"", "\"é\"|\"é\"", "\"\\u00e9\"|\"é\"",
        "{\"b\": 1, \"a\": [true, null]}|{\"b\":1,\"a\":[true,null]}", "\"q\\\"\\\\\"|\"q\\\"\\\\\""})
    void shouldDumpLikeNlohmann(String json, String expected) throws Exception {
        assertEquals(expected, JsonText.dump(LlamaCorpus.JSON.readTree(json)));
    }
}
