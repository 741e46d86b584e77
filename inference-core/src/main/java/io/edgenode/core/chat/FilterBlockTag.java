package io.edgenode.core.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.JinjavaInterpreter.InterpreterScopeClosable;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.util.LengthLimitingStringBuilder;
import java.util.Objects;

/**
 * Jinja's filter block, {@code {% filter trim %}...{% endfilter %}}: the rendered body goes through
 * the filter chain in the tag (Jinjava has no such tag). Stateless.
 */
final class FilterBlockTag implements Tag {

    private static final long serialVersionUID = 1L;

    /** Holds the body while the filter expression runs; not a name a template would use. */
    private static final String BODY = "__edgenode_filter_body__";

    @Override
    public String getName() {
        return "filter";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        LengthLimitingStringBuilder body = new LengthLimitingStringBuilder(interpreter.getConfig().getMaxOutputSize());
        for (Node child : tagNode.getChildren()) {
            body.append(child.render(interpreter).getValue());
        }
        try (InterpreterScopeClosable _ = interpreter.enterScope()) {
            interpreter.getContext().put(BODY, body.toString());
            Object filtered = interpreter.resolveELExpression(BODY + " | " + tagNode.getHelpers().trim(), tagNode.getLineNumber());
            return Objects.toString(filtered, "");
        }
    }
}
