package io.edgenode.core.chat.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgenode.core.chat.ToolCall;
import io.edgenode.core.chat.ToolSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every family's parser on fixtures (content only, one call, parallel calls, content before a call,
 * malformed), whole and streamed: split at every character, one character at a time, and 200 random
 * chunkings, the deltas must concatenate to the non-streamed result and that result must not change.
 */
class ToolCallParserTest {

    static final List<ToolSpec> TOOLS = List.of(ToolFixtures.tool("get_weather"), ToolFixtures.tool("get_time"),
            ToolFixtures.tool("brave_search"), ToolFixtures.tool("python"));

    /** One model output and what it must parse to (content null when none; failed: some region kept as content). */
    record Fixture(String label, ToolCallFormat format, String output, String content, List<ToolCall> calls, boolean failed) {
        @Override
        public String toString() {
            return format.name() + ": " + label;
        }
    }

    static ToolCall call(int i, String name, String arguments) {
        return new ToolCall("id" + i, name, arguments);
    }

    static final String PARIS = "{\"location\": \"Paris\"}";
    static final String TRICKY = "{\"location\": \"}</tool_call>{\\\"\", \"n\": [1, {\"a\": []}]}";

    static Stream<Fixture> fixtures() {
        ToolCallFormat hermes = new HermesFormat();
        ToolCallFormat llama = new Llama3Format();
        ToolCallFormat nemo = new MistralNemoFormat();
        ToolCallFormat generic = new GenericFormat();
        ToolCallFormat mistralArgs = NamedArgumentsFormat.MISTRAL_ARGS;
        ToolCallFormat functionary = NamedArgumentsFormat.FUNCTIONARY_V3_1;
        ToolCallFormat deepseek = NamedArgumentsFormat.DEEPSEEK_R1;
        ToolCallFormat commandR = CallArrayFormat.COMMAND_R7B;
        ToolCallFormat granite = CallArrayFormat.GRANITE;
        ToolCallFormat v32 = new FunctionaryV32Format();
        ToolCallFormat xml = new XmlParametersFormat("<tool_call>", "</tool_call>");
        ToolCallFormat glm = new XmlParametersFormat("<tool_call>", "</tool_call>", true);
        String xmlCall = "<tool_call>\n<function=get_weather>\n<parameter=location>\nParis\n</parameter>\n"
                + "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>";
        ToolCallFormat derivedArray = ToolFixtures.derivedArray();
        ToolCallFormat derivedNamed = ToolFixtures.derivedNamed();
        String ds = "<｜tool▁call▁begin｜>function<｜tool▁sep｜>";
        return Stream.of(
                new Fixture("content only", hermes, "Hello <tool there, no tools. <tool_cal", "Hello <tool there, no tools. <tool_cal", List.of(), false),
                new Fixture("one call", hermes, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": " + PARIS + "}\n</tool_call>",
                        null, List.of(call(0, "get_weather", PARIS)), false),
                new Fixture("tricky arguments", hermes, "<tool_call>{\"name\": \"get_weather\", \"arguments\": " + TRICKY + "}</tool_call>",
                        null, List.of(call(0, "get_weather", TRICKY)), false),
                new Fixture("parallel calls", hermes, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": " + PARIS
                        + "}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>\n",
                        null, List.of(call(0, "get_weather", PARIS), call(1, "get_time", "{}")), false),
                new Fixture("content before a call", hermes, "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
                        + PARIS + "}\n</tool_call>", "Let me check.", List.of(call(0, "get_weather", PARIS)), false),
                new Fixture("malformed JSON", hermes, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": }}\n</tool_call> ok",
                        "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": }}\n</tool_call> ok", List.of(), true),
                new Fixture("unknown function", hermes, "<tool_call>{\"name\": \"rm_rf\", \"arguments\": {}}</tool_call>",
                        "<tool_call>{\"name\": \"rm_rf\", \"arguments\": {}}</tool_call>", List.of(), true),
                new Fixture("unterminated call", hermes, "Sure <tool_call>{\"name\": \"get_weather\"",
                        "Sure <tool_call>{\"name\": \"get_weather\"", List.of(), true),
                new Fixture("wrong end marker", hermes, "<tool_call>{\"name\": \"get_time\", \"arguments\": {}}</tool>",
                        "<tool_call>{\"name\": \"get_time\", \"arguments\": {}}</tool>", List.of(), true),

                new Fixture("content only", llama, "The answer is {\"a\": 1}.", "The answer is {\"a\": 1}.", List.of(), false),
                new Fixture("one call", llama, "\n{\"name\": \"get_weather\", \"parameters\": " + PARIS + "}",
                        null, List.of(call(0, "get_weather", PARIS)), false),
                new Fixture("python tag call", llama, "<|python_tag|>{\"name\": \"get_time\", \"parameters\": {}}",
                        null, List.of(call(0, "get_time", "{}")), false),
                new Fixture("content before a call", llama, "Checking. <|python_tag|>{\"name\": \"get_weather\", \"arguments\": " + PARIS + "}",
                        "Checking.", List.of(call(0, "get_weather", PARIS)), false),
                new Fixture("built-in tool call", llama, "<|python_tag|>brave_search.call(query=\"Paris \\\"weather\\\"\", n=3, safe=True)",
                        null, List.of(call(0, "brave_search", "{\"query\":\"Paris \\\"weather\\\"\",\"n\":3,\"safe\":true}")), false),
                new Fixture("code interpreter", llama, "Running it. <|python_tag|>print(1 + 1)\n", "Running it.",
                        List.of(call(0, "python", "{\"code\":\"print(1 + 1)\"}")), false),
                new Fixture("built-in call of an unknown tool", llama, "<|python_tag|>wolfram_alpha.call(query=\"x\")",
                        "<|python_tag|>wolfram_alpha.call(query=\"x\")", List.of(), true),
                new Fixture("JSON that is no call", llama, "{\"a\": [1, 2]}", "{\"a\": [1, 2]}", List.of(), true),

                new Fixture("content only", nemo, "Bonjour [TOOL", "Bonjour [TOOL", List.of(), false),
                new Fixture("one call", nemo, "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": " + PARIS + ", \"id\": \"abcDEF123\"}]",
                        null, List.of(call(0, "get_weather", PARIS)), false),
                new Fixture("parallel calls", nemo, "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": " + PARIS
                        + "}, {\"name\": \"get_time\", \"arguments\": {}}]", null,
                        List.of(call(0, "get_weather", PARIS), call(1, "get_time", "{}")), false),
                new Fixture("content before a call", nemo, "Sure.[TOOL_CALLS][{\"name\": \"get_time\", \"arguments\": {}}] then",
                        "Sure. then", List.of(call(0, "get_time", "{}")), false),
                new Fixture("malformed", nemo, "[TOOL_CALLS][{\"name\": 1}]", "[TOOL_CALLS][{\"name\": 1}]", List.of(), true),

                new Fixture("one call", mistralArgs, "[TOOL_CALLS]get_weather[ARGS]" + PARIS, null, List.of(call(0, "get_weather", PARIS)), false),
                new Fixture("parallel calls", mistralArgs, "[TOOL_CALLS]get_weather[ARGS]" + PARIS + "[TOOL_CALLS]get_time[ARGS]{}", null,
                        List.of(call(0, "get_weather", PARIS), call(1, "get_time", "{}")), false),
                new Fixture("call id before the arguments", mistralArgs, "[TOOL_CALLS]get_time[CALL_ID]a1b2c3d4e[ARGS]{}", null,
                        List.of(call(0, "get_time", "{}")), false),
                new Fixture("malformed", mistralArgs, "[TOOL_CALLS]get_weather[ARGS]nope", "[TOOL_CALLS]get_weather[ARGS]nope", List.of(), true),

                new Fixture("one call", generic, "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": " + PARIS + "}]}",
                        null, List.of(call(0, "get_weather", PARIS)), false),
                new Fixture("single call form", generic, "{\"tool_call\": {\"name\": \"get_time\", \"arguments\": {}}}",
                        null, List.of(call(0, "get_time", "{}")), false),
                new Fixture("parallel calls", generic, "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": " + PARIS
                        + "}, {\"name\": \"get_time\", \"arguments\": {}}]}", null,
                        List.of(call(0, "get_weather", PARIS), call(1, "get_time", "{}")), false),
                new Fixture("response", generic, "{\"response\": \"Hi \\\"you\\\"\"}", "Hi \"you\"", List.of(), false),
                new Fixture("content only", generic, "Plain text {\"x\": 1}", "Plain text {\"x\": 1}", List.of(), false),
                new Fixture("malformed", generic, "{\"tool_calls\": [{\"name\": \"get_time\", \"arguments\": [}]}",
                        "{\"tool_calls\": [{\"name\": \"get_time\", \"arguments\": [}]}", List.of(), true),

                new Fixture("one call", functionary, "<function=get_weather>" + PARIS + "</function>", null,
                        List.of(call(0, "get_weather", PARIS)), false),
                new Fixture("content before a call", functionary, "Ok.<function=get_time>{}</function>", "Ok.",
                        List.of(call(0, "get_time", "{}")), false),

                new Fixture("content only", v32, "all\nHello >>there.", "Hello >>there.", List.of(), false),
                new Fixture("one call", v32, "get_weather\n" + PARIS, null, List.of(call(0, "get_weather", PARIS)), false),
                new Fixture("parallel calls", v32, "get_weather\n" + PARIS + ">>>get_time\n{}", null,
                        List.of(call(0, "get_weather", PARIS), call(1, "get_time", "{}")), false),
                new Fixture("content before a call", v32, "all\nChecking.\n>>>get_time\n{}", "Checking.",
                        List.of(call(0, "get_time", "{}")), false),
                new Fixture("malformed", v32, "get_weather\nnot json", "get_weather\nnot json", List.of(), true),

                new Fixture("content only", derivedArray, "Nothing <tool_c to call.", "Nothing <tool_c to call.", List.of(), false),
                new Fixture("parallel calls", derivedArray, "<tool_calls>[{\"name\": \"get_weather\", \"arguments\": " + PARIS
                        + "}, {\"name\": \"get_time\", \"arguments\": {}}]</tool_calls>", null,
                        List.of(call(0, "get_weather", PARIS), call(1, "get_time", "{}")), false),
                new Fixture("one call", derivedNamed, "Sure.<|tool_calls_section_begin|><|tool_call_begin|>functions.get_time:0"
                        + "<|tool_call_argument_begin|>{}<|tool_call_end|><|tool_calls_section_end|>", "Sure.",
                        List.of(call(0, "get_time", "{}")), false),

                new Fixture("content only", xml, "See <tool_c and <function=x>.", "See <tool_c and <function=x>.", List.of(), false),
                new Fixture("one call", xml, xmlCall, null, List.of(call(0, "get_weather", "{\"location\":\"Paris\",\"days\":3}")), false),
                new Fixture("parallel calls", xml, xmlCall + "\n<tool_call>\n<function=get_time>\n</function>\n</tool_call>", null,
                        List.of(call(0, "get_weather", "{\"location\":\"Paris\",\"days\":3}"), call(1, "get_time", "{}")), false),
                new Fixture("content before a call", xml, "Checking.\n\n" + xmlCall, "Checking.",
                        List.of(call(0, "get_weather", "{\"location\":\"Paris\",\"days\":3}")), false),
                new Fixture("malformed", xml, "<tool_call>\n<function=get_time>\noops</tool_call>",
                        "<tool_call>\n<function=get_time>\noops</tool_call>", List.of(), true),

                new Fixture("one call", glm, "<tool_call>get_weather\n<arg_key>location</arg_key>\n<arg_value>Paris</arg_value>\n"
                        + "<arg_key>days</arg_key><arg_value>[1, 2]</arg_value></tool_call>", null,
                        List.of(call(0, "get_weather", "{\"location\":\"Paris\",\"days\":[1,2]}")), false),
                new Fixture("content before a call", glm, "Ok <tool_call>get_time</tool_call>", "Ok", List.of(call(0, "get_time", "{}")), false),
                new Fixture("malformed", glm, "<tool_call>get_time <arg_key>x</arg_key></tool_call>",
                        "<tool_call>get_time <arg_key>x</arg_key></tool_call>", List.of(), true),

                new Fixture("parallel calls", deepseek, "<｜tool▁calls▁begin｜>" + ds + "get_weather\n```json\n" + PARIS
                        + "\n```<｜tool▁call▁end｜>\n" + ds + "get_time\n```json\n{}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>", null,
                        List.of(call(0, "get_weather", PARIS), call(1, "get_time", "{}")), false),
                new Fixture("malformed", deepseek, ds + "get_time\n```js\n{}", ds + "get_time\n```js\n{}", List.of(), true),

                new Fixture("content only", commandR, "<|START_RESPONSE|>Hello!<|END_RESPONSE|>", "Hello!", List.of(), false),
                new Fixture("one call", commandR, "<|START_ACTION|>[\n    {\"tool_call_id\": \"0\", \"tool_name\": \"get_weather\", "
                        + "\"parameters\": " + PARIS + "}\n]<|END_ACTION|>", null, List.of(call(0, "get_weather", PARIS)), false),

                new Fixture("one call", granite, "<|tool_call|>[{\"name\": \"get_weather\", \"arguments\": " + PARIS + "}]", null,
                        List.of(call(0, "get_weather", PARIS)), false));
    }

    /** Feeds {@code chunks} and finishes, checking the delta invariants; returns the result. */
    static ParsedMessage run(Fixture f, List<String> chunks) {
        ToolCallParser parser = f.format().newParser(TOOLS, ToolCallIds.counting("id"));
        List<ToolCallDelta> deltas = new ArrayList<>();
        for (String chunk : chunks) {
            deltas.addAll(parser.feed(chunk));
        }
        deltas.addAll(parser.finish());
        ParsedMessage result = parser.result();
        StringBuilder content = new StringBuilder();
        Map<Integer, StringBuilder> arguments = new LinkedHashMap<>();
        List<ToolCall> started = new ArrayList<>();
        for (ToolCallDelta d : deltas) {
            switch (d) {
                case ToolCallDelta.Content c -> content.append(c.text());
                case ToolCallDelta.CallStart s -> {
                    assertEquals(started.size(), s.index(), "calls start in order");
                    started.add(new ToolCall(s.id(), s.name(), ""));
                    arguments.put(s.index(), new StringBuilder());
                }
                case ToolCallDelta.Arguments a -> arguments.get(a.index()).append(a.fragment());
            }
        }
        assertEquals(result.content() == null ? "" : result.content(), content.toString(), "content deltas");
        assertEquals(result.toolCalls().size(), started.size(), "one CallStart per call");
        for (int i = 0; i < started.size(); i++) {
            ToolCall c = result.toolCalls().get(i);
            assertEquals(c.id(), started.get(i).id());
            assertEquals(c.name(), started.get(i).name());
            assertEquals(c.arguments(), arguments.get(i).toString(), "arguments of call " + i);
        }
        return result;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void shouldParseWholeOutput(Fixture f) {
        ParsedMessage result = run(f, List.of(f.output()));
        assertEquals(f.content(), result.content());
        assertEquals(f.calls(), result.toolCalls());
        assertEquals(f.failed(), !result.failures().isEmpty(), "failures: " + result.failures());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void shouldGiveTheSameResultHoweverTheOutputIsChunked(Fixture f) {
        ParsedMessage whole = run(f, List.of(f.output()));
        String text = f.output();
        for (int k = 0; k <= text.length(); k++) {
            assertEquals(whole, run(f, List.of(text.substring(0, k), text.substring(k))), "split at " + k);
        }
        List<String> chars = new ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            chars.add(String.valueOf(text.charAt(i)));
        }
        assertEquals(whole, run(f, chars), "one character at a time");
        Random random = new Random(13);
        for (int round = 0; round < 200; round++) {
            List<String> chunks = new ArrayList<>();
            int at = 0;
            while (at < text.length()) {
                int n = Math.min(text.length() - at, 1 + random.nextInt(8));
                chunks.add(text.substring(at, at + n));
                at += n;
            }
            assertEquals(whole, run(f, chunks), "chunks " + chunks);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void shouldStreamContentThatCannotBeginAMarker(Fixture f) {
        if (f.format() instanceof FunctionaryV32Format) {
            return; // its text is content only after the ">>>all\n" recipient line
        }
        ToolCallParser parser = f.format().newParser(TOOLS);
        // The trailing space is held: whitespace right before a call would be layout, not content.
        assertEquals(List.of(new ToolCallDelta.Content("Hi there, friend.")), parser.feed("Hi there, friend. "));
    }
}
