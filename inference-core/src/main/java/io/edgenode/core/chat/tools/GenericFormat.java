package io.edgenode.core.chat.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.core.chat.ChatMessage;
import io.edgenode.core.chat.ChatTemplate;
import io.edgenode.core.chat.ChatTemplateException;
import io.edgenode.core.chat.ToolCall;
import io.edgenode.core.chat.ToolSpec;
import io.edgenode.core.chat.tools.CallSyntax.Start;
import io.edgenode.core.engine.Constraint;
import io.edgenode.core.grammar.GrammarRules;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * For templates that know nothing of tools (llama.cpp's generic format): a system message lists
 * the tools and asks for one JSON object, {@code {"tool_calls": [{"name": ..., "arguments": {...}}]}}
 * to call or {@code {"response": "..."}} to answer, and the grammar holds the model to it from the
 * first token (even for {@code Auto}: there is no marker to wait for). The history is shown the same
 * way: earlier calls as that JSON, tool results as user messages
 * {@code {"tool_response": {"tool": NAME, "content": ...}}}. Immutable.
 *
 * <p>A plain answer arrives whole, when the JSON closes: it is the {@code response} string decoded.
 */
public final class GenericFormat implements ToolCallFormat {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CallSyntax SYNTAX = new CallSyntax(List.of(Start.bareJson()), List.of(), null, "",
            new CallBody.GenericEnvelope(), "", false);

    @Override
    public String name() {
        return "generic";
    }

    @Override
    public List<String> markers() {
        return List.of();
    }

    /**
     * {@inheritDoc}
     *
     * <p>The instructions go in a system message; a template that refuses one (Gemma 2) gets them at
     * the head of the first user message instead, as llama.cpp's polyfill does.
     */
    @Override
    public String prompt(ChatTemplate template, List<ChatMessage> messages, List<ToolSpec> tools, boolean addGenerationPrompt) {
        List<ChatMessage> shown = shown(messages, instructions(tools));
        try {
            return template.render(shown, addGenerationPrompt, List.of());
        } catch (ChatTemplateException e) {
            if (!shown.get(0).role().equals("system") || shown.size() < 2 || !shown.get(1).role().equals("user")) {
                throw e;
            }
            List<ChatMessage> folded = new ArrayList<>(shown.subList(1, shown.size()));
            folded.set(0, new ChatMessage("user", shown.get(0).text() + "\n\n" + shown.get(1).text()));
            return template.render(folded, addGenerationPrompt, List.of());
        }
    }

    /** The conversation as the template sees it: instructions first, calls and results as JSON text. */
    private static List<ChatMessage> shown(List<ChatMessage> messages, String instructions) {
        List<ChatMessage> shown = new ArrayList<>(messages.size() + 1);
        int from = 0;
        if (!messages.isEmpty() && messages.get(0).role().equals("system")) {
            shown.add(new ChatMessage("system", messages.get(0).text() + "\n\n" + instructions));
            from = 1;
        } else {
            shown.add(new ChatMessage("system", instructions));
        }
        Map<String, String> namesById = new HashMap<>();
        for (ChatMessage m : messages.subList(from, messages.size())) {
            if (!m.toolCalls().isEmpty()) {
                m.toolCalls().forEach(c -> namesById.put(c.id(), c.name()));
                shown.add(new ChatMessage("assistant", callsJson(m.toolCalls())));
            } else if (m.role().equals("tool")) {
                ObjectNode response = JSON.createObjectNode();
                ObjectNode inner = response.putObject("tool_response");
                inner.put("tool", namesById.getOrDefault(m.toolCallId(), ""));
                inner.put("content", m.text());
                shown.add(new ChatMessage("user", response.toString()));
            } else {
                shown.add(m);
            }
        }
        return shown;
    }

    /** The system text: the tools, and the JSON to answer with. */
    static String instructions(List<ToolSpec> tools) {
        ArrayNode list = JSON.createArrayNode();
        for (ToolSpec tool : tools) {
            ObjectNode t = list.addObject();
            t.put("name", tool.name());
            t.put("description", tool.description());
            t.set("parameters", tool.parameters());
        }
        return "You can call these tools:\n" + list.toPrettyString() + "\n\nRespond with one JSON object and nothing else: "
                + "{\"tool_calls\": [{\"name\": <tool name>, \"arguments\": <arguments object>}]} to call tools, or "
                + "{\"response\": <your answer as a string>} to answer the user.";
    }

    private static String callsJson(List<ToolCall> calls) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode array = root.putArray("tool_calls");
        for (ToolCall call : calls) {
            ObjectNode c = array.addObject();
            c.put("name", call.name());
            try {
                c.set("arguments", JSON.readTree(call.arguments()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                c.put("arguments", call.arguments()); // the client's text, shown as given
            }
        }
        return root.toString();
    }

    @Override
    public Constraint constraint(List<ToolSpec> tools, ToolChoice choice, boolean parallel, GrammarRules rules) {
        if (choice instanceof ToolChoice.None) {
            return null;
        }
        GrammarWriter g = new GrammarWriter(rules);
        String w = g.ws();
        String call = g.callObjects(GrammarWriter.allowed(tools, choice), "name", "arguments", "");
        String more = parallel ? " (" + w + " \",\" " + w + " " + call + ")*" : "";
        String calls = g.rule("tool-calls-field", GrammarWriter.literal("\"tool_calls\"") + " " + w + " \":\" " + w + " \"[\" "
                + w + " " + call + more + " " + w + " \"]\"");
        String field = calls;
        if (choice instanceof ToolChoice.Auto) {
            String string = g.rule("tool-json-string", "\"\\\"\" ( [^\"\\\\\\x7F\\x00-\\x1F] | \"\\\\\" ( [\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4} ) )* \"\\\"\"");
            String response = g.rule("tool-response-field", GrammarWriter.literal("\"response\"") + " " + w + " \":\" " + w + " " + string);
            field = "(" + calls + " | " + response + ")";
        }
        return g.constraint(g.rule("root", "\"{\" " + w + " " + field + " " + w + " \"}\""), List.of());
    }

    @Override
    public ToolCallParser newParser(List<ToolSpec> tools, Supplier<String> ids) {
        return new MarkerToolCallParser(SYNTAX, ToolCallFormat.names(tools), ids);
    }
}
