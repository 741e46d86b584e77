package io.edgenode.server.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code {{params.a.b}}} and {@code {{steps.<id>.<dotted path>}}} in every string value of a JSON tree.
 * Stateless.
 *
 * <p>Why not Jinja (Jinjava is already on the classpath for chat templates): a workflow definition comes from an API
 * client, and a template language with loops, filters and method calls is code execution on the node, with its own
 * escaping rules and limits to get right. Substitution of one value per placeholder is all a step needs, fits in
 * this class, and cannot loop. A string is inserted raw, any other JSON compact, a missing value as nothing; object
 * keys are never rendered; the result of a substitution is not rendered again (no injection through a step's
 * output).
 */
public final class Templates {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^{}\\s]*)\\s*}}");

    private Templates() {}

    /** Whether {@code s} contains a placeholder. */
    public static boolean hasPlaceholder(String s) {
        return PLACEHOLDER.matcher(s).find();
    }

    /** {@code s} with each placeholder replaced by {@code replacement} (to check a templated URL's shape). */
    static String replaceAll(String s, String replacement) {
        return PLACEHOLDER.matcher(s).replaceAll(Matcher.quoteReplacement(replacement));
    }

    /** One string, rendered. */
    public static String render(String s, WorkflowScope scope) {
        Matcher m = PLACEHOLDER.matcher(s);
        if (!m.find()) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 32);
        do {
            JsonNode v = scope.lookup(m.group(1));
            String text = v == null || v.isNull() || v.isMissingNode() ? "" : v.isTextual() ? v.asText() : v.toString();
            m.appendReplacement(out, Matcher.quoteReplacement(text));
        } while (m.find());
        m.appendTail(out);
        return out.toString();
    }

    /** A deep copy of {@code node} with every string value rendered. */
    public static JsonNode render(JsonNode node, WorkflowScope scope) {
        if (node == null) {
            return null;
        }
        if (node.isTextual()) {
            return TextNode.valueOf(render(node.asText(), scope));
        }
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.set(e.getKey(), render(e.getValue(), scope));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode(node.size());
            for (JsonNode e : node) {
                out.add(render(e, scope));
            }
            return out;
        }
        return node.deepCopy();
    }
}
