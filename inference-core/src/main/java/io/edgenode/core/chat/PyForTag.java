package io.edgenode.core.chat;

import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.JinjavaInterpreter.InterpreterScopeClosable;
import com.hubspot.jinjava.lib.tag.ElseTag;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.util.ForLoop;
import com.hubspot.jinjava.util.LengthLimitingStringBuilder;
import com.hubspot.jinjava.util.ObjectIterator;
import com.hubspot.jinjava.util.ObjectTruthValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Jinja's {@code for} tag, replacing Jinjava's: adds what Hugging Face templates use and Jinjava's
 * {@code ForTag} lacks, namely the loop filter ({@code for k, v in d.items() if v is not none}, which
 * Jinjava would read as a conditional expression over the whole list), {@code loop.previtem} /
 * {@code loop.nextitem}, iteration over a string's characters and the {@code else} block of an empty
 * loop. {@code loop.index}, {@code index0}, {@code first}, {@code last}, {@code length},
 * {@code revindex}, {@code break} and {@code continue} behave as in Jinjava (and Jinja). Recursive loops
 * are refused.
 *
 * <p>Stateless (the loop state lives in the render's context); one instance serves every render.
 */
final class PyForTag implements Tag {

    private static final long serialVersionUID = 1L;

    @Override
    public String getName() {
        return ForTag.TAG_NAME;
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        Header header = Header.parse(tagNode);
        List<Object> items = materialize(interpreter.resolveELExpression(header.iterable(), tagNode.getLineNumber()));
        if (header.filter() != null) {
            List<Object> kept = new ArrayList<>(items.size());
            for (Object item : items) {
                try (InterpreterScopeClosable _ = interpreter.enterScope()) {
                    bind(interpreter, tagNode, header.vars(), interpreter.wrap(item));
                    if (ObjectTruthValue.evaluate(interpreter.resolveELExpression(header.filter(), tagNode.getLineNumber()))) {
                        kept.add(item);
                    }
                }
            }
            items = kept;
        }

        List<Node> body = new ArrayList<>();
        List<Node> otherwise = new ArrayList<>();
        List<Node> target = body;
        for (Node child : tagNode.getChildren()) {
            if (target == body && child instanceof TagNode t && ElseTag.TAG_NAME.equals(t.getName())) {
                target = otherwise;
            } else {
                target.add(child);
            }
        }

        LengthLimitingStringBuilder out = new LengthLimitingStringBuilder(interpreter.getConfig().getMaxOutputSize());
        if (items.isEmpty()) {
            for (Node node : otherwise) {
                out.append(node.render(interpreter).getValue());
            }
            return out.toString();
        }
        PyForLoop loop = new PyForLoop(items);
        try (InterpreterScopeClosable _ = interpreter.enterScope()) {
            interpreter.getContext().put(ForTag.LOOP, loop);
            while (loop.hasNext()) {
                bind(interpreter, tagNode, header.vars(), interpreter.wrap(loop.next()));
                for (Node node : body) {
                    out.append(node.render(interpreter).getValue());
                    if (loop.isContinued()) {
                        break; // continue or break: skip the rest of this iteration's body
                    }
                }
            }
        }
        return out.toString();
    }

    /** Python iterates a string's characters and a mapping's keys; the rest as Jinjava does. */
    private static List<Object> materialize(Object collection) {
        List<Object> items = new ArrayList<>();
        if (collection instanceof String s) {
            s.codePoints().forEach(cp -> items.add(Character.toString(cp)));
            return items;
        }
        if (collection instanceof Map<?, ?> map) {
            items.addAll(map.keySet());
            return items;
        }
        ForLoop it = ObjectIterator.getLoop(collection);
        while (it.hasNext()) {
            items.add(it.next());
        }
        return items;
    }

    /** Unpacks one item into the loop variables, as Jinjava's ForTag does (pairs, lists, else the item). */
    private static void bind(JinjavaInterpreter interpreter, TagNode tagNode, List<String> vars, Object value) {
        if (vars.size() == 1) {
            interpreter.getContext().put(vars.getFirst(), value);
            return;
        }
        List<?> parts = switch (value) {
            case Map.Entry<?, ?> e -> Arrays.asList(e.getKey(), e.getValue());
            case List<?> l -> l;
            case null -> List.of();
            default -> throw new InterpretException(
                    "cannot unpack " + value.getClass().getSimpleName() + " into " + String.join(", ", vars),
                    tagNode.getLineNumber(), tagNode.getStartPosition());
        };
        if (value != null && parts.size() != vars.size()) {
            throw new InterpretException(
                    "cannot unpack " + parts.size() + " values into " + vars.size() + " loop variables",
                    tagNode.getLineNumber(), tagNode.getStartPosition());
        }
        for (int i = 0; i < vars.size(); i++) {
            interpreter.getContext().put(vars.get(i), i < parts.size() ? interpreter.wrap(parts.get(i)) : null);
        }
    }

    /** {@code for <vars> in <iterable> [if <filter>]}, split at top-level keywords (not inside brackets or quotes). */
    record Header(List<String> vars, String iterable, String filter) {
        static Header parse(TagNode tagNode) {
            String helpers = tagNode.getHelpers().trim();
            int in = keyword(helpers, "in", 0);
            if (in < 0) {
                throw syntax(tagNode, "Tag 'for' expects 'in', got: " + helpers);
            }
            String target = helpers.substring(0, in).trim();
            if (target.startsWith("(") && target.endsWith(")")) {
                target = target.substring(1, target.length() - 1);
            }
            List<String> vars = Arrays.stream(target.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
            String rest = helpers.substring(in + 2).trim();
            if (keyword(rest, "recursive", 0) >= 0) {
                throw syntax(tagNode, "recursive for loops are not supported");
            }
            int condition = keyword(rest, "if", 0);
            String iterable = condition < 0 ? rest : rest.substring(0, condition).trim();
            String filter = condition < 0 ? null : rest.substring(condition + 2).trim();
            if (vars.isEmpty() || iterable.isEmpty() || (filter != null && filter.isEmpty())) {
                throw syntax(tagNode, "Tag 'for' expects 'x in items [if condition]', got: " + helpers);
            }
            return new Header(vars, iterable, filter);
        }

        private static InterpretException syntax(TagNode tagNode, String message) {
            return new InterpretException("line " + tagNode.getLineNumber() + ": " + message, tagNode.getLineNumber(),
                    tagNode.getStartPosition());
        }

        /** Index of {@code word} as a whole word at bracket depth 0 outside string literals, or -1. */
        static int keyword(String s, String word, int from) {
            int depth = 0;
            char quote = 0;
            for (int i = from; i < s.length(); i++) {
                char c = s.charAt(i);
                if (quote != 0) {
                    if (c == '\\') {
                        i++;
                    } else if (c == quote) {
                        quote = 0;
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == '(' || c == '[' || c == '{') {
                    depth++;
                } else if (c == ')' || c == ']' || c == '}') {
                    depth--;
                } else if (depth == 0 && s.startsWith(word, i)
                        && (i == 0 || !isIdentifierPart(s.charAt(i - 1)))
                        && (i + word.length() == s.length() || !isIdentifierPart(s.charAt(i + word.length())))) {
                    return i;
                }
            }
            return -1;
        }

        private static boolean isIdentifierPart(char c) {
            return Character.isLetterOrDigit(c) || c == '_' || c == '.';
        }
    }

    /** Jinjava's loop object plus Jinja's {@code previtem} and {@code nextitem} (undefined at the ends). */
    public static final class PyForLoop extends ForLoop {
        private final List<Object> items;

        PyForLoop(List<Object> items) {
            super(items.iterator(), items.size());
            this.items = items;
        }

        public Object getPrevitem() {
            int i = getIndex0();
            return i > 0 ? items.get(i - 1) : null;
        }

        public Object getNextitem() {
            int i = getIndex0();
            return i + 1 < items.size() ? items.get(i + 1) : null;
        }
    }
}
