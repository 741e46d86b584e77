package io.edgenode.core.chat.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.engine.Constraint;
import io.edgenode.core.grammar.GbnfMatcherAccess;
import io.edgenode.core.grammar.JsonSchemaConverter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The XML families' grammar holds a call to its function's schema, as {@link ToolCallSamplingTest}
 * found it did not: at temperature 1.0 on a random model, Qwen3-Coder's grammar let through calls
 * without their required parameters, with a parameter written several times (the client got the
 * last), and a {@code maxLength: 12} string of hundreds of characters (synthetic model, seeds
 * 10000001 and 10000002 for {@code xml-parameters}, 11000000 for {@code xml-arg-key-value}).
 */
class XmlParametersGrammarTest {

    private static String grammar(boolean argKeyValue) {
        JsonSchemaConverter rules = new JsonSchemaConverter();
        Constraint c = new XmlParametersFormat("<tool_call>", "</tool_call>", argKeyValue)
                .constraint(ToolCallSamplingTest.TOOLS, ToolChoice.REQUIRED, true, rules);
        assertEquals("root", c.root());
        return rules.format();
    }

    private static String call(boolean argKeyValue, String name, String... keyValues) {
        StringBuilder b = new StringBuilder("<tool_call>\n").append(argKeyValue ? name + "\n" : "<function=" + name + ">\n");
        for (int i = 0; i < keyValues.length; i += 2) {
            b.append(argKeyValue ? "<arg_key>" + keyValues[i] + "</arg_key><arg_value>" + keyValues[i + 1] + "</arg_value>\n"
                    : "<parameter=" + keyValues[i] + ">\n" + keyValues[i + 1] + "\n</parameter>\n");
        }
        return b.append(argKeyValue ? "" : "</function>\n").append("</tool_call>").toString();
    }

    @ParameterizedTest(name = "argKeyValue={0}")
    @ValueSource(booleans = {false, true})
    void shouldAcceptACallThatFollowsTheSchema(boolean kv) {
        String g = grammar(kv);
        assertTrue(GbnfMatcherAccess.matches(g, call(kv, "set_alarm", "hour", "7", "minute", "30", "label", "wake up")));
        assertTrue(GbnfMatcherAccess.matches(g, call(kv, "set_alarm", "hour", "7", "minute", "0", "repeat", "\"daily\"")));
    }

    @ParameterizedTest(name = "argKeyValue={0}")
    @ValueSource(booleans = {false, true})
    void shouldRefuseACallWithoutItsRequiredParameters(boolean kv) {
        String g = grammar(kv);
        assertFalse(GbnfMatcherAccess.matches(g, call(kv, "set_alarm")));
        assertFalse(GbnfMatcherAccess.matches(g, call(kv, "set_alarm", "repeat", "\"weekdays\"")));
        assertFalse(GbnfMatcherAccess.matches(g, call(kv, "set_alarm", "hour", "5")));
    }

    @ParameterizedTest(name = "argKeyValue={0}")
    @ValueSource(booleans = {false, true})
    void shouldRefuseAParameterWrittenTwice(boolean kv) {
        assertFalse(GbnfMatcherAccess.matches(grammar(kv), call(kv, "set_alarm", "hour", "5", "minute", "9", "minute", "4")));
    }

    @ParameterizedTest(name = "argKeyValue={0}")
    @ValueSource(booleans = {false, true})
    void shouldHoldAStringToItsMaxLength(boolean kv) {
        String g = grammar(kv);
        assertTrue(GbnfMatcherAccess.matches(g, call(kv, "set_alarm", "hour", "5", "minute", "9", "label", "twelve chars")));
        assertFalse(GbnfMatcherAccess.matches(g, call(kv, "set_alarm", "hour", "5", "minute", "9", "label", "thirteen char")));
    }
}
