package io.edgenode.core.grammar;

import java.util.List;
import java.util.Map;

/**
 * The fixed GBNF rules every JSON grammar draws on (llama.cpp's {@code PRIMITIVE_RULES} and
 * {@code STRING_FORMAT_RULES}), with the rules each one references. Stateless.
 *
 * <p>The bodies are llama.cpp's so that grammars compare equal to its corpus: numbers carry at most
 * 16 integral and 16 fractional digits, whitespace between tokens ({@code space}) is at most two
 * line breaks and 20 blanks, so a model cannot stall a request with endless whitespace.
 */
final class BuiltinRules {
    record Rule(String body, List<String> deps) {
    }

    private static final Map<String, Rule> RULES = Map.ofEntries(
            Map.entry("boolean", new Rule("(\"true\" | \"false\")", List.of())),
            Map.entry("decimal-part", new Rule("[0-9]{1,16}", List.of())),
            Map.entry("integral-part", new Rule("[0] | [1-9] [0-9]{0,15}", List.of())),
            Map.entry("number", new Rule(
                    "(\"-\"? integral-part) (\".\" decimal-part)? ([eE] [-+]? integral-part)?",
                    List.of("integral-part", "decimal-part"))),
            Map.entry("integer", new Rule("(\"-\"? integral-part)", List.of("integral-part"))),
            Map.entry("value", new Rule("object | array | string | number | boolean | null",
                    List.of("object", "array", "string", "number", "boolean", "null"))),
            Map.entry("object", new Rule(
                    "\"{\" space ( string \":\" space value (\",\" space string \":\" space value)* )? space \"}\"",
                    List.of("string", "value"))),
            Map.entry("array", new Rule("\"[\" space ( value (\",\" space value)* )? space \"]\"", List.of("value"))),
            Map.entry("uuid", new Rule("\"\\\"\" [0-9a-fA-F]{8} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" "
                    + "[0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{12} \"\\\"\"", List.of())),
            // a JSON string character: unescaped (no quote, backslash, DEL or C0 control) or an escape
            Map.entry("char", new Rule("[^\"\\\\\\x7F\\x00-\\x1F] | [\\\\] ([\"\\\\bfnrt] | \"u\" [0-9a-fA-F]{4})", List.of())),
            Map.entry("string", new Rule("\"\\\"\" char* \"\\\"\"", List.of("char"))),
            Map.entry("null", new Rule("\"null\"", List.of())),
            Map.entry("date", new Rule(
                    "[0-9]{4} \"-\" ( \"0\" [1-9] | \"1\" [0-2] ) \"-\" ( \"0\" [1-9] | [1-2] [0-9] | \"3\" [0-1] )", List.of())),
            Map.entry("time", new Rule("([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] ( \".\" [0-9]{3} )? "
                    + "( \"Z\" | ( \"+\" | \"-\" ) ( [01] [0-9] | \"2\" [0-3] ) \":\" [0-5] [0-9] )", List.of())),
            Map.entry("date-time", new Rule("date \"T\" time", List.of("date", "time"))),
            Map.entry("date-string", new Rule("\"\\\"\" date \"\\\"\"", List.of("date"))),
            Map.entry("time-string", new Rule("\"\\\"\" time \"\\\"\"", List.of("time"))),
            Map.entry("date-time-string", new Rule("\"\\\"\" date-time \"\\\"\"", List.of("date-time"))));

    private BuiltinRules() {
    }

    static Rule get(String name) {
        Rule rule = RULES.get(name);
        if (rule == null) {
            throw new IllegalArgumentException("no built-in rule " + name);
        }
        return rule;
    }

    /** Names a schema's own rules must not take: {@code root} and the built-in rules. */
    static boolean isReserved(String name) {
        return name.equals("root") || RULES.containsKey(name);
    }
}
