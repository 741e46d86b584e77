package io.edgenode.core.chat.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.core.chat.tools.CallBody.BodyException;
import io.edgenode.core.chat.tools.CallBody.RawCall;
import java.math.BigDecimal;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Llama 3.1 writes after {@code <|python_tag|>} when it is not JSON: a built-in tool call
 * {@code brave_search.call(query="...")} (keyword arguments, Python literals), or code for the code
 * interpreter, which becomes a call of {@code python} (or {@code code_interpreter}, whichever the
 * request offers) with {@code {"code": ...}}, as llama.cpp reads it. Stateless.
 */
final class PythonTagCall {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CALL = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\.call\\((.*)\\)\\s*", Pattern.DOTALL);

    private PythonTagCall() {}

    /** Reads the text after the tag (to the end of the output). */
    static RawCall read(String text, Set<String> toolNames) throws BodyException {
        Matcher m = CALL.matcher(text);
        if (m.matches()) {
            return new RawCall(m.group(1), keywordArguments(m.group(2)).toString());
        }
        if (text.isBlank()) {
            throw new BodyException("nothing after <|python_tag|>");
        }
        String name = !toolNames.contains("python") && toolNames.contains("code_interpreter") ? "code_interpreter" : "python";
        return new RawCall(name, JSON.createObjectNode().put("code", text.strip()).toString());
    }

    /** {@code key=value, ...} with string, number, True/False/None values, as a JSON object. */
    private static ObjectNode keywordArguments(String text) throws BodyException {
        ObjectNode args = JSON.createObjectNode();
        int i = skipSpace(text, 0);
        while (i < text.length()) {
            int eq = text.indexOf('=', i);
            if (eq < 0) {
                throw new BodyException("keyword argument without '='");
            }
            String key = text.substring(i, eq).strip();
            if (!key.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new BodyException("bad keyword '" + key + "'");
            }
            i = skipSpace(text, eq + 1);
            if (i < text.length() && (text.charAt(i) == '"' || text.charAt(i) == '\'')) {
                char quote = text.charAt(i);
                StringBuilder value = new StringBuilder();
                i++;
                while (i < text.length() && text.charAt(i) != quote) {
                    char c = text.charAt(i++);
                    if (c == '\\' && i < text.length()) {
                        char e = text.charAt(i++);
                        value.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case 'r' -> '\r';
                            default -> e;
                        });
                    } else {
                        value.append(c);
                    }
                }
                if (i >= text.length()) {
                    throw new BodyException("unterminated string");
                }
                args.put(key, value.toString());
                i++;
            } else {
                int end = text.indexOf(',', i);
                String literal = (end < 0 ? text.substring(i) : text.substring(i, end)).strip();
                i = end < 0 ? text.length() : end;
                switch (literal) {
                    case "True" -> args.put(key, true);
                    case "False" -> args.put(key, false);
                    case "None" -> args.putNull(key);
                    default -> {
                        try {
                            args.put(key, new BigDecimal(literal));
                        } catch (NumberFormatException e) {
                            throw new BodyException("unsupported value '" + literal + "'");
                        }
                    }
                }
            }
            i = skipSpace(text, i);
            if (i < text.length()) {
                if (text.charAt(i) != ',') {
                    throw new BodyException("expected ',' between keyword arguments");
                }
                i = skipSpace(text, i + 1);
            }
        }
        return args;
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
