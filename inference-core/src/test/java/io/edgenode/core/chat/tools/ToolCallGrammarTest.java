package io.edgenode.core.chat.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgenode.core.chat.ToolSpec;
import io.edgenode.core.engine.Constraint;
import io.edgenode.core.grammar.GrammarRules;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each family's grammar, written into a recording GrammarRules: markers present, lazy only for Auto, plausible GBNF. */
class ToolCallGrammarTest {

    /** Stores rules, makes names unique, and stands a placeholder in for each schema. */
    static final class RecordingRules implements GrammarRules {
        final Map<String, String> rules = new LinkedHashMap<>();

        @Override
        public String addRule(String name, String rule) {
            String unique = name;
            for (int i = 1; rules.containsKey(unique); i++) {
                unique = name + "-" + i;
            }
            rules.put(unique, rule);
            return unique;
        }

        @Override
        public String addSchema(String name, JsonNode schema) {
            return addRule(name, "\"{\" [^}]* \"}\"");
        }

        String text() {
            StringBuilder b = new StringBuilder();
            rules.forEach((k, v) -> b.append(k).append(" ::= ").append(v).append('\n'));
            return b.toString();
        }
    }

    static final List<ToolSpec> TOOLS = List.of(ToolFixtures.tool("get_weather"), ToolFixtures.tool("get.time"));

    /** A format and the marker its grammar must contain (null: none). */
    record Family(ToolCallFormat format, String marker) {
        @Override
        public String toString() {
            return format.name();
        }
    }

    static Stream<Family> families() {
        return Stream.of(new Family(new HermesFormat(), "<tool_call>"), new Family(new Llama3Format(), "\\\"parameters\\\""),
                new Family(new MistralNemoFormat(), "[TOOL_CALLS]"), new Family(NamedArgumentsFormat.MISTRAL_ARGS, "[ARGS]"),
                new Family(NamedArgumentsFormat.FUNCTIONARY_V3_1, "<function="),
                new Family(new FunctionaryV32Format(), "get.time\\n"),
                new Family(new XmlParametersFormat("<tool_call>", "</tool_call>"), "<function="),
                new Family(new XmlParametersFormat("<tool_call>", "</tool_call>", true), "<arg_value>"),
                new Family(NamedArgumentsFormat.DEEPSEEK_R1, "<｜tool▁call▁begin｜>"),
                new Family(CallArrayFormat.COMMAND_R7B, "<|START_ACTION|>"), new Family(CallArrayFormat.GRANITE, "<|tool_call|>"),
                new Family(CallArrayFormat.FIREFUNCTION_V2, " functools"), new Family(new GenericFormat(), "\\\"tool_calls\\\""),
                new Family(ToolFixtures.derivedArray(), "<tool_calls>"), new Family(ToolFixtures.derivedNamed(), "<|tool_call_argument_begin|>"));
    }

    static List<ToolChoice> choices() {
        return List.of(ToolChoice.AUTO, ToolChoice.REQUIRED, new ToolChoice.Named("get.time"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void shouldWriteNoGrammarForNone(Family f) {
        assertNull(f.format().constraint(TOOLS, ToolChoice.NONE, true, new RecordingRules()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void shouldWritePlausibleGrammarsWithTheMarkers(Family f) {
        for (ToolChoice choice : choices()) {
            for (boolean parallel : List.of(false, true)) {
                RecordingRules rules = new RecordingRules();
                Constraint c = f.format().constraint(TOOLS, choice, parallel, rules);
                String what = f + " " + choice + " parallel=" + parallel + ":\n" + rules.text();
                assertTrue(rules.rules.containsKey(c.root()), what);
                for (String line : c.grammar().strip().split("\n")) {
                    assertTrue(rules.text().contains(line + "\n"), "the constraint's text holds the format's own rules: " + line);
                }
                boolean lazy = choice instanceof ToolChoice.Auto && !(f.format() instanceof GenericFormat);
                assertEquals(lazy, c.isLazy(), what);
                if (lazy) {
                    assertFalse(c.triggers().isEmpty(), what);
                }
                String markerLiteral = f.marker();
                assertTrue(rules.text().contains(markerLiteral) || c.triggers().stream().anyMatch(t -> t.contains(markerLiteral)), what);
                assertTrue(rules.text().contains("get_weather") != choice instanceof ToolChoice.Named, "named choice keeps one tool: " + what);
                assertTrue(rules.text().contains("get.time"), what);
                assertPlausibleGbnf(rules.rules, what);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void shouldRefuseANamedToolThatIsNotOffered(Family f) {
        assertThrows(IllegalArgumentException.class,
                () -> f.format().constraint(TOOLS, new ToolChoice.Named("nope"), false, new RecordingRules()));
        assertThrows(IllegalArgumentException.class,
                () -> f.format().constraint(List.of(), ToolChoice.AUTO, false, new RecordingRules()));
    }

    /** Every rule body lexes (literals closed, classes closed, parentheses balanced) and names only defined rules. */
    static void assertPlausibleGbnf(Map<String, String> rules, String what) {
        Set<String> defined = rules.keySet();
        for (Map.Entry<String, String> e : rules.entrySet()) {
            assertTrue(e.getKey().matches("[a-zA-Z0-9-]+"), "rule name " + e.getKey() + " in " + what);
            List<String> references = new ArrayList<>();
            String body = e.getValue();
            int depth = 0;
            for (int i = 0; i < body.length(); i++) {
                char c = body.charAt(i);
                if (c == '"' || c == '[') {
                    char close = c == '"' ? '"' : ']';
                    i++;
                    while (i < body.length() && body.charAt(i) != close) {
                        i += body.charAt(i) == '\\' ? 2 : 1;
                    }
                    assertTrue(i < body.length(), "unclosed " + c + " in " + e.getKey() + " of " + what);
                } else if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                    assertTrue(depth >= 0, "unbalanced ) in " + e.getKey());
                } else if (c == '{') {
                    int end = body.indexOf('}', i);
                    assertTrue(end > 0 && body.substring(i + 1, end).matches("[0-9]+(,[0-9]*)?"), "repetition in " + e.getKey());
                    i = end;
                } else if (Character.isLetter(c)) {
                    int j = i;
                    while (j < body.length() && (Character.isLetterOrDigit(body.charAt(j)) || body.charAt(j) == '-')) {
                        j++;
                    }
                    references.add(body.substring(i, j));
                    i = j - 1;
                } else {
                    assertTrue(" \t|*+?".indexOf(c) >= 0, "unexpected '" + c + "' in " + e.getKey() + " of " + what);
                }
            }
            assertEquals(0, depth, "unbalanced ( in " + e.getKey());
            for (String r : references) {
                assertTrue(defined.contains(r), "undefined rule " + r + " in " + e.getKey() + " of " + what);
            }
        }
    }
}
