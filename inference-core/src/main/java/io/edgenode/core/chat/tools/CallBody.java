package io.edgenode.core.chat.tools;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * How the JSON value of a call region reads, and what it means: one call object, an array of call
 * objects, the arguments object itself (the name was in the marker), or llama.cpp's generic
 * envelope. Arguments are cut from the model's own text (Jackson's character offsets), so they
 * reach the client byte for byte as generated.
 *
 * <p>Immutable; safe from any thread (each decode opens its own Jackson parser).
 */
sealed interface CallBody {

    /** A call as decoded: the function's name and its arguments' JSON text. */
    record RawCall(String name, String arguments) {}

    /** What a region's JSON meant: calls, and (generic envelope only) a plain answer instead. */
    record Decoded(List<RawCall> calls, String content) {}

    /** A region's JSON that was well-formed but not what the format expects. */
    final class BodyException extends Exception {
        BodyException(String message) {
            super(message, null, false, false);
        }
    }

    JsonFactory JSON = new ObjectMapper().getFactory();

    /** Whether the value must be an object (else an array is allowed too). */
    boolean objectOnly();

    /**
     * Whether the region is not JSON but text up to the syntax's {@code end} marker, which
     * {@link #decode} then reads whole ({@link XmlParameters}).
     */
    default boolean raw() {
        return false;
    }

    /**
     * Decodes one complete JSON value.
     *
     * @param name the name taken from the marker, or null when the name is inside the JSON
     */
    Decoded decode(String json, String name) throws BodyException, IOException;

    /** One object naming the function under one of {@code nameKeys} and its arguments under one of {@code argumentKeys}. */
    record CallObject(List<String> nameKeys, List<String> argumentKeys) implements CallBody {
        @Override
        public boolean objectOnly() {
            return true;
        }

        @Override
        public Decoded decode(String json, String name) throws BodyException, IOException {
            try (JsonParser p = JSON.createParser(json)) {
                p.nextToken();
                RawCall call = readCall(p, json, nameKeys, argumentKeys);
                requireEnd(p);
                return new Decoded(List.of(call), null);
            }
        }
    }

    /** An array of call objects (Mistral, Granite, Command-R). */
    record CallArray(List<String> nameKeys, List<String> argumentKeys) implements CallBody {
        @Override
        public boolean objectOnly() {
            return false;
        }

        @Override
        public Decoded decode(String json, String name) throws BodyException, IOException {
            try (JsonParser p = JSON.createParser(json)) {
                if (p.nextToken() != JsonToken.START_ARRAY) {
                    throw new BodyException("expected an array of calls");
                }
                List<RawCall> calls = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    calls.add(readCall(p, json, nameKeys, argumentKeys));
                }
                requireEnd(p);
                if (calls.isEmpty()) {
                    throw new BodyException("empty array of calls");
                }
                return new Decoded(calls, null);
            }
        }
    }

    /**
     * The JSON is the arguments object; the name came before it.
     *
     * @param nameCut where a name gives way to other fields the parser reads with it (Mistral Small
     *                3.2's {@code NAME[CALL_ID]id[ARGS]}); null for none
     */
    record ArgumentsObject(String nameCut) implements CallBody {
        @Override
        public boolean objectOnly() {
            return true;
        }

        @Override
        public Decoded decode(String json, String name) throws BodyException, IOException {
            try (JsonParser p = JSON.createParser(json)) {
                p.nextToken();
                p.skipChildren();
                requireEnd(p);
            }
            int cut = nameCut == null ? -1 : name.indexOf(nameCut);
            return new Decoded(List.of(new RawCall(cut < 0 ? name : name.substring(0, cut), json.strip())), null);
        }
    }

    /**
     * llama.cpp's generic envelope: {@code {"tool_calls": [call...]}}, {@code {"tool_call": call}}
     * or {@code {"response": answer}}, a call being {@code {"name": ..., "arguments": {...}}}.
     */
    record GenericEnvelope() implements CallBody {
        private static final List<String> NAME = List.of("name");
        private static final List<String> ARGUMENTS = List.of("arguments");

        @Override
        public boolean objectOnly() {
            return true;
        }

        @Override
        public Decoded decode(String json, String name) throws BodyException, IOException {
            try (JsonParser p = JSON.createParser(json)) {
                p.nextToken();
                List<RawCall> calls = new ArrayList<>();
                String content = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonToken value = p.nextToken();
                    switch (key) {
                        case "tool_calls" -> {
                            if (value != JsonToken.START_ARRAY) {
                                throw new BodyException("tool_calls is not an array");
                            }
                            while (p.nextToken() != JsonToken.END_ARRAY) {
                                calls.add(readCall(p, json, NAME, ARGUMENTS));
                            }
                        }
                        case "tool_call" -> calls.add(readCall(p, json, NAME, ARGUMENTS));
                        case "response" -> content = value == JsonToken.VALUE_STRING ? p.getText() : rawValue(p, json);
                        default -> p.skipChildren();
                    }
                }
                requireEnd(p);
                if (calls.isEmpty() && content == null) {
                    throw new BodyException("neither tool_call(s) nor response");
                }
                return new Decoded(calls, content);
            }
        }
    }

    /**
     * Qwen3-Coder's XML: {@code <function=NAME>} then {@code <parameter=KEY>\nVALUE\n</parameter>}
     * per argument, then {@code </function>}. Values are text; a parameter whose schema type is not
     * {@code string} is read as JSON when it parses (numbers, booleans, objects), as llama.cpp does.
     * The arguments are therefore JSON this class writes, not the model's own text.
     *
     * <p>With {@code argKeyValue}, GLM 4.6/4.7's dialect instead: {@code NAME} then
     * {@code <arg_key>KEY</arg_key><arg_value>VALUE</arg_value>} per argument.
     *
     * @param stringParameters per tool, the parameters whose schema type is {@code string}
     */
    record XmlParameters(java.util.Map<String, java.util.Set<String>> stringParameters, boolean argKeyValue) implements CallBody {
        private static final java.util.regex.Pattern FUNCTION =
                java.util.regex.Pattern.compile("\\s*<function=([^>\\s]+)>(.*)</function>\\s*", java.util.regex.Pattern.DOTALL);
        private static final java.util.regex.Pattern PARAMETER =
                java.util.regex.Pattern.compile("<parameter=([^>\\s]+)>\\n?(.*?)\\n?</parameter>", java.util.regex.Pattern.DOTALL);
        private static final java.util.regex.Pattern NAMED =
                java.util.regex.Pattern.compile("\\s*([^<>\\s]+)(.*)", java.util.regex.Pattern.DOTALL);
        private static final java.util.regex.Pattern KEY_VALUE = java.util.regex.Pattern.compile(
                "<arg_key>([^<]*)</arg_key>\\s*<arg_value>(.*?)</arg_value>", java.util.regex.Pattern.DOTALL);
        private static final ObjectMapper MAPPER = new ObjectMapper();

        @Override
        public boolean objectOnly() {
            return true;
        }

        @Override
        public boolean raw() {
            return true;
        }

        @Override
        public Decoded decode(String text, String ignored) throws BodyException {
            java.util.regex.Matcher f = (argKeyValue ? NAMED : FUNCTION).matcher(text);
            if (!f.matches()) {
                throw new BodyException(argKeyValue ? "no function name" : "no <function=...>...</function>");
            }
            String name = f.group(1);
            String body = f.group(2);
            java.util.Set<String> strings = stringParameters.getOrDefault(name, java.util.Set.of());
            com.fasterxml.jackson.databind.node.ObjectNode args = MAPPER.createObjectNode();
            java.util.regex.Matcher p = (argKeyValue ? KEY_VALUE : PARAMETER).matcher(body);
            int at = 0;
            while (p.find()) {
                if (!body.substring(at, p.start()).isBlank()) {
                    throw new BodyException("text between parameters");
                }
                at = p.end();
                String key = p.group(1).strip();
                String value = p.group(2);
                args.set(key, strings.contains(key) ? MAPPER.getNodeFactory().textNode(value) : jsonOrText(value));
            }
            if (!body.substring(at).isBlank()) {
                throw new BodyException("text after the parameters");
            }
            return new Decoded(List.of(new RawCall(name, args.toString())), null);
        }

        private static com.fasterxml.jackson.databind.JsonNode jsonOrText(String value) {
            try {
                return MAPPER.readTree(value.strip());
            } catch (IOException e) {
                return MAPPER.getNodeFactory().textNode(value);
            }
        }
    }

    /** Reads the call object the parser is at (on its START_OBJECT), leaving it on the END_OBJECT. */
    private static RawCall readCall(JsonParser p, String json, List<String> nameKeys, List<String> argumentKeys)
            throws BodyException, IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new BodyException("a call is not an object");
        }
        String name = null;
        String arguments = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken value = p.nextToken();
            if (nameKeys.contains(key) && value == JsonToken.VALUE_STRING) {
                name = p.getText();
            } else if (argumentKeys.contains(key)) {
                if (value != JsonToken.START_OBJECT) {
                    throw new BodyException("arguments of a call are not an object");
                }
                arguments = rawValue(p, json);
            } else {
                p.skipChildren();
            }
        }
        if (name == null) {
            throw new BodyException("a call without a name (" + nameKeys + ")");
        }
        // Llama 3.2 leaves out "parameters" for a function that takes none.
        return new RawCall(name, arguments == null ? "{}" : arguments);
    }

    /** The model's text of the value the parser is at, leaving the parser on its last token. */
    private static String rawValue(JsonParser p, String json) throws IOException {
        int start = (int) p.currentTokenLocation().getCharOffset();
        p.skipChildren();
        int end = (int) p.currentLocation().getCharOffset();
        return json.substring(start, end);
    }

    private static void requireEnd(JsonParser p) throws BodyException, IOException {
        if (p.nextToken() != null) {
            throw new BodyException("text after the JSON value");
        }
    }
}
